import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReportMarkdown } from '../report/markdown.js';
import { REPORT_SCHEMA_VERSION, serializeReport, type ModelResult, type RunReport } from '../report/schema.js';

/**
 * Report-level edits the action makes around the run: models it reports
 * without running (Git LFS pointers), notes about how models were found, and
 * the report file written back after those edits.
 */

export const REPORT_FILE = 'report.json';
export const COMMENT_FILE = 'comment.md';

export function emptyReport(variants: string[], gates: RunReport['gates'], version: string): RunReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'onnx-coreml-action', version },
    engine: 'reference interpreter',
    variants,
    models: [],
    gates,
    failures: [],
    passed: true,
    notes: [],
  };
}

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

/**
 * Writes report.json and comment.md after the action's own edits, so the
 * artifact holds exactly what the comment and summary show (the run wrote
 * both before the action added LFS pointers and notes). Returns the report path.
 */
export async function writeReportFile(dir: string, report: RunReport): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, REPORT_FILE);
  await writeFile(path, serializeReport(report), 'utf8');
  await writeFile(join(dir, COMMENT_FILE), renderReportMarkdown(report), 'utf8');
  return path;
}
