import { resolve } from 'node:path';
import { loadSettingsFile } from '../options/settings-file.js';
import { ToolError } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { cliHelpLines, cliOption, parseArgsOptions, type CliValues } from '../options/cli.js';
import { DEFAULT_VARIANTS, type OptionKey } from '../options/definitions.js';
import { splitList } from '../options/spec.js';
import { ProgressLine } from '../progress.js';
import type { GateSettings, RunReport } from '../report/schema.js';
import { serializeReport } from '../report/schema.js';
import { discoverModelFiles } from '../run/discover.js';
import { COMMENT_FILE, REPORT_FILE, writeReportFiles } from '../report/files.js';
import type { RunOptions } from '../run/index.js';
import { DEFAULT_TARGET, parseArgsOrUsageError } from './args.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type ExitCode } from './failure.js';
import { LinePrinter, escapeTerminal, type CliIO } from './terminal.js';
import { parseInputShapes } from './shape-args.js';
import { PROGRAM } from './usage.js';

/**
 * `onnx-coreml report PATH... --out DIR`: the action's main job on the command
 * line. Converts every model into every variant, verifies them, optionally
 * compares with a base ref, and writes report.json and comment.md. Exit 0 when
 * every gate passes, 1 when one fails, 2 for usage errors and missing paths.
 */

export const REPORT_COMMAND = 'report';

/** The options of `report`, in the order its help lists them. */
export const REPORT_OPTION_KEYS = [
  'out', 'baseRef', 'variants', 'target', 'inputShape', 'maxAbsError', 'minPsnr', 'maxSizeIncrease', 'failOnUnsupported', 'allowUnverified', 'timeout', 'config', 'jobs', 'memoryBudget', 'json', 'debug', 'help',
] as const satisfies readonly OptionKey[];

export const REPORT_HELP = [
  `Usage: ${PROGRAM} report PATH... --out DIR [options]`,
  '',
  'Converts each ONNX model (PATH may be a file or a folder searched for *.onnx) into',
  'every variant, verifies each package against the reference outputs (test_data_set_N/',
  'or MODEL.npz beside the model, else onnxruntime on seeded inputs), and writes',
  `DIR/${REPORT_FILE}, DIR/${COMMENT_FILE} and DIR/<model>/<variant>.mlpackage.`,
  'A model that cannot be read or converted is reported; the others still run.',
  '',
  'Options:',
  ...cliHelpLines(REPORT_OPTION_KEYS),
  '',
  'Exit codes:',
  '  0  every gate passed',
  '  1  a gate failed (accuracy, size, unsupported ops, an unverified model, a conversion',
  '     error or time-out)',
  '  2  usage error, a PATH that does not exist or holds no .onnx files, or a model file',
  '     that cannot be read (all other models are still run and reported)',
].join('\n');

export interface ReportRequest {
  paths: string[];
  outDir: string;
  baseRef?: string;
  variants: string[];
  target: DeploymentTarget;
  gates: GateSettings;
  timeoutSeconds?: number;
  /** `--input-shape NAME=SHAPE`, by input name. */
  inputShapes?: Record<string, number[]>;
  /** The per-model settings file named with --config. */
  config?: string;
  jobs?: number;
  memoryBudgetBytes?: number;
  json: boolean;
}

function usageError(message: string): ToolError {
  return new ToolError('USAGE', `${message} (see '${PROGRAM} ${REPORT_COMMAND} --help')`);
}

/** Reads the arguments after `report`; `help` when -h/--help is given. */
export function parseReportArgs(args: readonly string[]): ReportRequest | 'help' {
  const parsed = parseArgsOrUsageError(args, parseArgsOptions(REPORT_OPTION_KEYS), usageError);
  const values = parsed.values as CliValues;
  if (values['help'] === true) return 'help';
  if (parsed.positionals.length === 0) throw usageError('missing PATH (an .onnx file or a folder)');
  const outDir = cliOption(values, 'out', usageError);
  if (outDir === undefined || outDir === '') throw usageError('missing --out DIR');
  const gates: GateSettings = { failOnUnsupported: cliOption(values, 'failOnUnsupported', usageError) ?? true };
  if (cliOption(values, 'allowUnverified', usageError) === true) gates.allowUnverified = true;
  const maxAbsError = cliOption(values, 'maxAbsError', usageError);
  const minPsnr = cliOption(values, 'minPsnr', usageError);
  const maxSizeIncrease = cliOption(values, 'maxSizeIncrease', usageError);
  const timeoutSeconds = cliOption(values, 'timeout', usageError);
  const baseRef = cliOption(values, 'baseRef', usageError);
  if (maxAbsError !== undefined) gates.maxAbsError = maxAbsError;
  if (minPsnr !== undefined) gates.minPsnr = minPsnr;
  if (maxSizeIncrease !== undefined) gates.maxSizeIncrease = maxSizeIncrease;
  if (maxSizeIncrease !== undefined && baseRef === undefined) throw usageError('--max-size-increase needs --base-ref to compare with');
  const request: ReportRequest = {
    paths: parsed.positionals,
    outDir,
    variants: cliOption(values, 'variants', usageError) ?? splitList(DEFAULT_VARIANTS),
    target: cliOption(values, 'target', usageError) ?? DEFAULT_TARGET,
    gates,
    json: values['json'] === true,
  };
  if (baseRef !== undefined) request.baseRef = baseRef;
  if (timeoutSeconds !== undefined) request.timeoutSeconds = timeoutSeconds;
  const jobs = cliOption(values, 'jobs', usageError);
  const memoryBudget = cliOption(values, 'memoryBudget', usageError);
  if (jobs !== undefined) request.jobs = jobs;
  if (memoryBudget !== undefined) request.memoryBudgetBytes = memoryBudget * 1e6;
  const inputShapes = parseInputShapes(values['input-shape'], (message) => {
    throw usageError(message);
  });
  if (inputShapes !== undefined) request.inputShapes = inputShapes;
  const config = cliOption(values, 'config', usageError);
  if (config !== undefined) request.config = config;
  return request;
}

/** Human-readable summary: one line per model, the failed gates, where the files are. */
export function renderReportSummary(report: RunReport, outDir: string): string[] {
  const lines = report.models.map((m) => {
    const variants = m.variants.map((v) => `${v.name} ${v.status}`).join(', ');
    const detail = m.error ? m.error.message : m.status === 'unsupported' ? `unsupported ops: ${[...new Set(m.unsupported.map((u) => u.op))].join(', ')}` : variants;
    return `${m.status.padEnd(11)} ${m.path}: ${detail}`;
  });
  lines.push(...report.notes);
  if (report.failures.length > 0) lines.push('', 'Failed gates:', ...report.failures.map((f) => `  ${f}`));
  lines.push('', `${report.passed ? 'all gates passed' : 'gates failed'}; report: ${outDir}/${REPORT_FILE}, comment: ${outDir}/${COMMENT_FILE}`);
  return lines;
}

export async function runReportCommand(args: readonly string[], io: CliIO): Promise<ExitCode> {
  const request = parseReportArgs(args);
  if (request === 'help') {
    io.stdout.write(`${REPORT_HELP}\n`);
    return EXIT_OK;
  }
  // Read first: a mistake in it stops the run before any model runs.
  const settings = await loadSettingsFile(process.cwd(), request.config);
  const { models, skipped } = await discoverModelFiles(request.paths);
  const stderr = new LinePrinter(io.stderr);
  stderr.lines(skipped.map((s) => `${PROGRAM}: warning: skipped ${s.path}: ${s.reason}`));
  const progress = new ProgressLine(io.stderr, { enabled: io.stderrIsTTY });
  const options: RunOptions = {
    models,
    outDir: request.outDir,
    variants: request.variants,
    target: request.target,
    gates: request.gates,
    onProgress: (message) => progress.update(escapeTerminal(message), 0, 0),
  };
  if (request.baseRef !== undefined) options.baseRef = request.baseRef;
  if (request.timeoutSeconds !== undefined) options.timeoutSecondsPerModel = request.timeoutSeconds;
  if (request.inputShapes !== undefined) options.inputShapes = request.inputShapes;
  if (settings !== undefined) options.settings = settings;
  if (request.jobs !== undefined) options.jobs = request.jobs;
  if (request.memoryBudgetBytes !== undefined) options.memoryBudgetBytes = request.memoryBudgetBytes;
  let report: RunReport;
  try {
    // Loaded on demand, like verify: the run pulls in the interpreter, which convert and check never need.
    const { runModels } = await import('../run/index.js');
    report = await runModels(options);
  } finally {
    progress.clear();
  }
  await writeReportFiles(resolve(request.outDir), report);
  if (request.json) io.stdout.write(serializeReport(report));
  else new LinePrinter(io.stdout).lines(renderReportSummary(report, request.outDir));
  const exitCode = exitCodeOf(report);
  // Exit 2 always comes with its reason on stderr, also under --json.
  if (exitCode === EXIT_USAGE) stderr.lines(unreadableModels(report).map((m) => `${PROGRAM}: error: ${m.error?.message ?? m.path}`));
  return exitCode;
}

/** Error codes of model files that cannot be read at all, as opposed to models that fail a check. */
const UNREADABLE_INPUT_CODES = new Set(['FILE_NOT_FOUND', 'FILE_TOO_LARGE', 'TRUNCATED', 'MALFORMED', 'LFS_POINTER', 'EXTERNAL_DATA']);

function unreadableModels(report: RunReport): RunReport['models'] {
  return report.models.filter((m) => m.status === 'error' && UNREADABLE_INPUT_CODES.has(m.error?.code ?? ''));
}

/** Unreadable input outranks a failed gate, as it does for the single-model commands. */
export function exitCodeOf(report: RunReport): ExitCode {
  if (unreadableModels(report).length > 0) return EXIT_USAGE;
  return report.passed ? EXIT_OK : EXIT_FAILED;
}
