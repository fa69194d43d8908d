import { expect } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { ToolError } from '../../src/errors.js';

/** The message of the usage error `argv` must cause; fails the test when it parses or fails otherwise. */
export function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('USAGE');
    return (err as ToolError).message;
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}
