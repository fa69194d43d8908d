import type { RunOptions } from '../run/index.js';
import type { RunReport } from '../report/schema.js';

/**
 * The seam between the action and the multi-model run (src/run). The action
 * only needs this one function; tests hand in a fake, the bundled action
 * loads the real one on first use so that a `plan` or `aggregate` run never
 * loads the converter at all.
 */

export type { RunOptions };

export type RunModels = (options: RunOptions) => Promise<RunReport>;

export async function loadRunModels(): Promise<RunModels> {
  const run = await import('../run/index.js');
  return run.runModels;
}
