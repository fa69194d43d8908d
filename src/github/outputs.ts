import * as core from '@actions/core';

/**
 * The step's outputs, set through @actions/core, which writes them to the
 * $GITHUB_OUTPUT file in the runner's heredoc form with a random delimiter
 * (so text in a value, such as a model path, cannot forge another output).
 */

export interface ActionOutputs {
  /** Path of report.json, relative to the workspace. */
  report: string;
  passed: 'true' | 'false';
  /** JSON array of model paths, for `strategy.matrix`. */
  models: string;
}

export function setActionOutputs(outputs: Partial<ActionOutputs>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (typeof value === 'string') core.setOutput(name, value);
  }
}
