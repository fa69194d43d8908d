import type { FeatureSummary, InterfaceSummary } from '../interface/describe.js';
import { escapeTerminal } from './terminal.js';
import type { Gate } from '../parity/gates.js';
import type { CheckFileResult, ConvertFileResult, OpCoverage } from '../pipeline.js';
import type { VerifyOutputReport, VerifyReport } from '../verify.js';
import { formatBytes } from './terminal.js';
import type { DiagnoseReport } from '../diagnose.js';
import type { Fp32OpsSummary } from '../report/schema.js';
import { describeDivergence, formatRange } from '../verify/divergence-stats.js';

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
  const header = `  ${'op'.padEnd(width)}  nodes  folded  converted to`;
  const rows = [...ops]
    .sort((a, b) => a.op.localeCompare(b.op))
    .map((o) => `  ${o.op.padEnd(width)}  ${String(o.count).padStart(5)}  ${String(o.folded).padStart(6)}  ${convertedTo(o)}`);
  return [header, ...rows];
}

/** The MIL ops a type's nodes became (with counts above one), or why they did not. */
function convertedTo(o: OpCoverage): string {
  if (!o.supported) return 'UNSUPPORTED';
  if (o.milOps.length === 0) return o.folded === o.count ? '(folded)' : '(no Core ML op)';
  return o.milOps.map((m) => (o.emitted[m]! > 1 ? `${m} ×${o.emitted[m]}` : m)).join(', ');
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
    ...result.interfaceNotes.map((note) => `  ${note}`),
    ...(result.fp32Ops ? [`  ${fp32OpsLine(result.fp32Ops)}`] : []),
  ];
}

/** Numbers in verification metrics: a few significant digits, infinities spelled out. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0 || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? value.toPrecision(4) : value.toExponential(3);
}

const GATE_TEXT: { [K in Gate['kind']]: (gate: Extract<Gate, { kind: K }>) => string } = {
  elementwise: (g) => `|out - ref| <= ${g.atol} + ${g.rtol}*|ref|`,
  psnr: (g) => `PSNR >= ${g.minDb} dB`,
  exact: () => 'exact match',
};

/** The gate as a person reads it, e.g. "PSNR >= 40 dB". */
export function describeGate(gate: Gate): string {
  return (GATE_TEXT[gate.kind] as (g: Gate) => string)(gate);
}

/** A metric that may be unknown (null); `unit` follows the number. */
function metric(label: string, value: number | null, unit = '', format: (v: number) => string = formatMetric): string | undefined {
  return value === null ? undefined : `${label} ${format(value)}${unit}`;
}

/** Cosine similarity lives just below 1, where four significant digits would all read 1.000. */
const formatCosine = (v: number): string => v.toFixed(6);

/** Agreement is a fraction of samples; people read it as a percentage. */
const formatPercent = (v: number): string => formatMetric(v * 100);

/** A detector output: the detections as sets, then the largest error of matched pairs. */
function describeDetections(o: VerifyOutputReport): (string | undefined)[] {
  const d = o.detection!;
  return [
    `precision ${formatPercent(d.precision)}%`,
    `recall ${formatPercent(d.recall)}%`,
    `(${d.matched} matched of ${d.packageCount} package / ${d.referenceCount} reference boxes; gate ≥ ${formatPercent(Math.min(d.minPrecision, d.minRecall))}%)`,
    metric(o.name === 'coordinates' ? 'max box error' : 'max score error', o.maxAbsError),
  ];
}

function describeOutput(o: VerifyOutputReport): string {
  if (o.detection) return [o.name, o.pass ? 'pass' : 'FAIL', ...describeDetections(o), o.reason].filter((p): p is string => p !== undefined && p !== '').join('  ');
  const parts = [
    o.name,
    `[${o.shape.join(', ')}] ${o.dtype}`,
    o.pass ? 'pass' : 'FAIL',
    metric('PSNR', o.psnrDb, ' dB'),
    metric('max abs', o.maxAbsError),
    metric('max rel', o.maxRelError),
    metric('cosine', o.cosine, '', formatCosine),
    metric('top-1', o.top1Agreement, '%', formatPercent),
    metric('top-5', o.top5Agreement, '%', formatPercent),
    o.reason,
  ];
  return parts.filter((p): p is string => p !== undefined && p !== '').join('  ');
}

/** Verdict first, then the engine and gate it was judged by, then one line per output. */
export function renderVerify(packagePath: string, report: VerifyReport): string[] {
  const head = `${report.pass ? 'PASS' : 'FAIL'} ${packagePath}`;
  const basis = `  engine: ${report.engine}; gate: ${describeGate(report.gate)}; data: ${report.dataSets.join(', ') || '(none)'}`;
  const lines = [head, basis, ...report.outputs.map((o) => `  ${describeOutput(o)}`)];
  if (report.fp32Ops) lines.push(`  ${fp32OpsLine(report.fp32Ops)}`);
  if (report.firstDivergence) lines.push(`  first divergence from fp32: ${describeDivergence(report.firstDivergence, 'package', quoted)}`);
  else if (report.firstDivergence === null) lines.push('  first divergence from fp32: no single op stands out');
  return lines;
}

const quoted = (name: string): string => `"${name}"`;

/** `4 ops computed in fp32: pow "squared", ...`. */
export function fp32OpsLine(summary: Fp32OpsSummary): string {
  const budget = summary.budget === undefined ? '' : ` (budget ${summary.budget})`;
  const stopped = summary.stoppedBecause === undefined ? '' : `; stopped: ${summary.stoppedBecause}`;
  const ops = summary.ops.map((o) => `${o.op} ${quoted(o.onnxNode ?? o.outputName)}`).join(', ');
  return `${summary.count} op(s) computed in fp32${budget}${summary.count > 0 ? `: ${ops}` : ''}${stopped}`;
}

/** `diagnose`: the fp32 counterpart, then one line per op; the first divergence is marked with ▶. */
export function renderDiagnose(report: DiagnoseReport): string[] {
  const head = [
    `${report.package}: compared with ${report.fp32} on ${report.dataSet}`,
    report.firstDivergence ? `first divergence: ${describeDivergence(report.firstDivergence, 'package', quoted)}` : 'first divergence: no single op stands out',
  ];
  if (report.unpaired > 0) head.push(`${report.unpaired} compute op(s) of the package have no fp32 counterpart and are not compared`);
  const width = Math.max(2, ...report.ops.map((o) => o.op.length));
  const rows = report.ops.map((o) => {
    const mark = report.firstDivergence && o.outputName === report.firstDivergence.outputName ? '▶' : o.jump ? '!' : ' ';
    const relative = o.error.relative === null ? 'inf' : o.error.relative.toExponential(1);
    const kind = o.error.kind === 'relative' ? '' : ` ${o.error.kind} ×${o.error.count}`;
    return `${mark} ${String(o.index).padStart(4)}  ${o.op.padEnd(width)}  ${relative.padStart(8)}${kind}  fp32 ${formatRange(o.fp32Range)} → ${formatRange(o.variantRange)}  ${o.outputName}${o.onnxNode === null ? '' : ` (${o.onnxNode})`}`;
  });
  return [...head, `  ${'#'.padStart(4)}  ${'op'.padEnd(width)}  rel.error  ranges  output (ONNX node)`, ...rows];
}

/** `check PACKAGE.mlpackage`: inputs, outputs, classifier and metadata, one item a line. */
export function renderDescription(d: InterfaceSummary & { package: string; specificationVersion: number }): string[] {
  const feature = (f: FeatureSummary): string[] => [
    `  ${escapeTerminal(f.name)}: ${escapeTerminal(f.type)}${f.description ? ` (${escapeTerminal(f.description)})` : ''}`,
    ...(f.normalization ? [`    ${escapeTerminal(f.normalization)}`] : []),
  ];
  const lines = [`${escapeTerminal(d.package)}: specification version ${d.specificationVersion}`, 'inputs:', ...d.inputs.flatMap(feature), 'outputs:', ...d.outputs.flatMap(feature)];
  if (d.classifier) {
    const c = d.classifier;
    const softmax = c.softmaxAdded === null ? '' : c.softmaxAdded ? ', softmax added' : ', scores already normalized';
    lines.push(`classifier: ${c.labels} labels; label "${escapeTerminal(c.labelOutput)}", probabilities "${escapeTerminal(c.probabilitiesOutput)}"${softmax}`);
  }
  if (d.pipeline) lines.push(`pipeline: ${d.pipeline.stages.join(' → ')}${d.pipeline.nms ? ` (${escapeTerminal(d.pipeline.nms)})` : ''}`);
  const meta = [...Object.entries(d.metadata), ...Object.entries(d.userDefined)];
  if (meta.length > 0) lines.push('metadata:', ...meta.map(([k, v]) => `  ${escapeTerminal(k)}: ${escapeTerminal(v)}`));
  return lines;
}
