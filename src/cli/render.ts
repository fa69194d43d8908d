import type { CheckFileResult, ConvertFileResult, OpCoverage } from '../pipeline.js';
import { formatBytes } from './terminal.js';

/**
 * Human-readable reports, as lists of lines. The printer escapes each line, so
 * these functions may embed model-controlled strings as they are.
 */

function nodeCount(ops: readonly OpCoverage[]): number {
  return ops.reduce((sum, o) => sum + o.count, 0);
}

function coverageSummary(result: CheckFileResult): string {
  const nodes = nodeCount(result.ops);
  const verdict = result.unsupported.length === 0 ? 'all supported' : `${result.unsupported.length} unsupported node(s)`;
  return `${result.model}: ${result.ops.length} op type(s), ${nodes} node(s), ${verdict}`;
}

function opTable(ops: readonly OpCoverage[]): string[] {
  const width = Math.max(2, ...ops.map((o) => o.op.length));
  const header = `  ${'op'.padEnd(width)}  nodes  converts to`;
  const rows = [...ops]
    .sort((a, b) => a.op.localeCompare(b.op))
    .map((o) => {
      const target = o.supported ? o.milOps.join(', ') || '(folded away)' : 'UNSUPPORTED';
      return `  ${o.op.padEnd(width)}  ${String(o.count).padStart(5)}  ${target}`;
    });
  return [header, ...rows];
}

/** One line per unsupported node, op types aligned so long lists stay scannable. */
export function unsupportedLines(unsupported: readonly { op: string; node: string; reason: string }[]): string[] {
  const width = Math.max(0, ...unsupported.map((u) => u.op.length));
  return unsupported.map((u) => `  ${u.op.padEnd(width)}  node '${u.node}': ${u.reason}`);
}

function unsupportedList(result: CheckFileResult): string[] {
  if (result.unsupported.length === 0) return [];
  return [`unsupported nodes (${result.unsupported.length}):`, ...unsupportedLines(result.unsupported)];
}

export function renderCheck(result: CheckFileResult): string[] {
  return [coverageSummary(result), ...opTable(result.ops), ...unsupportedList(result)];
}

const secs = (s: number): string => `${s.toFixed(2)} s`;

/** The conversion summary; warnings are messages and are printed separately, on stderr. */
export function renderConvert(result: ConvertFileResult): string[] {
  const { timings } = result;
  return [
    `wrote ${result.output} (${result.target}, ${result.precision})`,
    `  ${result.model}: ${nodeCount(result.ops)} node(s), ${result.ops.length} op type(s), ${formatBytes(result.onnxBytes)}`,
    `  package ${formatBytes(result.sizeBytes)} (weights ${formatBytes(result.weightBytes)})`,
    `  ${secs(result.seconds)} (load ${secs(timings.load)}, convert ${secs(timings.convert)}, write ${secs(timings.write)})`,
  ];
}

/** Numbers in verification metrics: a few significant digits, infinities spelled out. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0 || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? value.toPrecision(4) : value.toExponential(3);
}

/** The parts of a verification report the terminal view needs; the JSON view prints all of it. */
export interface VerifySummary {
  pass: boolean;
  engine: string;
  outputs: readonly object[];
}

function describeOutput(output: object): string {
  const fields = Object.entries(output);
  const name = fields.find(([k]) => k === 'name')?.[1];
  const pass = fields.find(([k]) => k === 'pass')?.[1];
  const verdict = pass === true ? 'pass' : pass === false ? 'FAIL' : '';
  const metrics = fields
    .filter(([k, v]) => k !== 'name' && k !== 'pass' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatMetric(v) : String(v)}`);
  return [String(name ?? '?'), verdict, ...metrics].filter((s) => s !== '').join('  ');
}

export function renderVerify(packagePath: string, report: VerifySummary): string[] {
  const head = `${report.pass ? 'PASS' : 'FAIL'} ${packagePath} (engine: ${report.engine})`;
  return [head, ...report.outputs.map((o) => `  ${describeOutput(o)}`)];
}
