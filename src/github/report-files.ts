import type { ModelResult, RunReport } from '../report/schema.js';

/**
 * Report-level edits the action makes around the run: models it reports
 * without running (Git LFS pointers) and notes about how models were found.
 * The files are written once, after these edits (report/files.ts).
 */

/** A model the action did not run, shown with its error in the tables. */
export function erroredModel(path: string, code: string, message: string): ModelResult {
  return { path, status: 'error', onnxBytes: null, reference: 'none', coverage: [], unsupported: [], variants: [], warnings: [], seconds: 0, error: { code, message } };
}

export function withExtraModels(report: RunReport, models: readonly ModelResult[], failures: readonly string[]): RunReport {
  if (models.length === 0 && failures.length === 0) return report;
  const allFailures = [...report.failures, ...failures];
  return {
    ...report,
    models: [...report.models, ...models].sort((a, b) => a.path.localeCompare(b.path)),
    failures: allFailures,
    passed: report.passed && allFailures.length === 0,
  };
}

export function withNotes(report: RunReport, notes: readonly string[]): RunReport {
  const fresh = notes.filter((n) => !report.notes.includes(n));
  return fresh.length === 0 ? report : { ...report, notes: [...report.notes, ...fresh] };
}
