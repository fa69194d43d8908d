import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { ActionError } from './errors.js';

/**
 * Step outputs go to the $GITHUB_OUTPUT file in the runner's heredoc form.
 * The delimiter is random per value and checked against the value, so text
 * in a value (a model path) cannot end it early and forge another output.
 */

export interface ActionOutputs {
  /** Path of report.json, relative to the workspace. */
  report: string;
  passed: 'true' | 'false';
  /** JSON array of model paths, for `strategy.matrix`. */
  models: string;
}

export function formatOutput(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new ActionError('REPORT', `output ${name} contains its own delimiter`);
  }
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

export async function writeOutputs(file: string | undefined, outputs: Partial<ActionOutputs>): Promise<boolean> {
  if (!file) return false;
  const text = Object.entries(outputs)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => formatOutput(name, value))
    .join('');
  await appendFile(file, text, 'utf8');
  return true;
}
