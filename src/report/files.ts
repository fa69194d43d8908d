import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { version as packageVersion } from '../../package.json';
import { renderReportMarkdown, type RenderOptions } from './markdown.js';
import { REPORT_SCHEMA_VERSION, serializeReport, type GateSettings, type RunReport } from './schema.js';

/**
 * The report's files, written in one place: the run returns a report and
 * writes nothing; the `report` command and every action mode hand their
 * final report (after their own additions) to writeReportFiles.
 */

/** The files a run writes into its output folder, beside one folder of packages per model. */
export const REPORT_FILE = 'report.json';
export const COMMENT_FILE = 'comment.md';

/** A report of no models: the start of every run, and what a run that had nothing to do delivers. */
export function emptyReport(variants: readonly string[], gates: GateSettings, version: string = packageVersion): RunReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'onnx-coreml-action', version },
    engine: 'reference interpreter',
    variants: [...variants],
    models: [],
    gates,
    failures: [],
    passed: true,
    notes: [],
  };
}

/** What writeReportFiles wrote: the path of report.json, and the comment as rendered into comment.md. */
export interface WrittenReport {
  path: string;
  comment: string;
}

/**
 * Writes report.json and comment.md into `dir`; comment.md is the comment as
 * rendered from this very report (compared with `report.baseCommit` unless
 * `render` names another base). This is the one rendering of the comment:
 * the job summary and the pull-request comment are this text (see
 * `withDetailsLink` for the link delivery adds).
 */
export async function writeReportFiles(dir: string, report: RunReport, render: RenderOptions = {}): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, REPORT_FILE);
  await writeFile(path, serializeReport(report), 'utf8');
  const base = report.baseCommit === undefined ? {} : { baseSha: report.baseCommit.slice(0, 12) };
  const comment = renderReportMarkdown(report, { ...base, ...render });
  await writeFile(join(dir, COMMENT_FILE), comment, 'utf8');
  return { path, comment };
}
