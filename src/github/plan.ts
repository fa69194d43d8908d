import { findModelsInCheckout } from './checkout-models.js';
import { shown } from './log.js';
import { changedModelsOf } from './pr.js';
import { setActionOutputs } from './outputs.js';
import type { ActionSession, ModeOutcome } from './session.js';
import { escapeMarkdownCode } from '../report/escape.js';
import { writeJobSummary } from './summary.js';

/**
 * Mode `plan`: no conversion, only the list of models to convert, as a JSON
 * array in the `models` output, so the next job can fan out one runner per
 * model with `strategy.matrix` (GitHub Actions is the scheduler).
 */

/** GitHub refuses a matrix with more than 256 jobs. */
export const MAX_MATRIX_JOBS = 256;

async function plannedModels(session: ActionSession): Promise<{ models: string[]; notes: string[] }> {
  const pr = session.ctx.pullRequest;
  if (!pr) return { models: await findModelsInCheckout(session.cwd, session.inputs.models), notes: [] };
  const changed = await changedModelsOf(session, pr);
  return { models: changed.paths, notes: changed.notes };
}

export function planSummary(models: readonly string[], notes: readonly string[]): string {
  const lines = ['## Core ML conversion plan', '', models.length === 0 ? 'No model to convert.' : `${models.length} model(s) to convert:`, ''];
  for (const m of models) lines.push(`- ${escapeMarkdownCode(m)}`);
  for (const n of notes) lines.push('', `> ${n}`);
  return `${lines.join('\n')}\n`;
}

export async function runPlanMode(session: ActionSession): Promise<ModeOutcome> {
  const { models, notes } = await plannedModels(session);
  session.log.info(`plan: ${models.length} model(s): ${models.map(shown).join(', ')}`);
  let passed = true;
  if (models.length > MAX_MATRIX_JOBS) {
    session.log.setFailed(`plan: ${models.length} models exceed GitHub's limit of ${MAX_MATRIX_JOBS} matrix jobs; narrow the models glob or split the workflow`);
    passed = false;
  }
  await writeJobSummary(planSummary(models, notes), 'The plan was cut to fit the job summary.', session.log);
  setActionOutputs({ models: JSON.stringify(models), passed: passed ? 'true' : 'false' });
  return { passed, reportPath: undefined, models };
}
