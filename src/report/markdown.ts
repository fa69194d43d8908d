import { markdownTable } from 'markdown-table';
import { escapeMarkdown, escapeMarkdownCode } from './escape.js';
import {
  formatBytes,
  formatBytesDelta,
  formatDb,
  formatDbDelta,
  formatError,
  formatFraction,
  formatSeconds,
} from './format.js';
import { renderInterfaceSection } from './interface-section.js';
import type { CoverageRow, Fp32OpsSummary, ModelResult, ModelStatus, OutputResult, RunReport, VariantResult } from './schema.js';
import { describeDivergence } from '../verify/divergence-stats.js';

/**
 * Renders a RunReport as GitHub-flavoured Markdown: a headline, one status line
 * per model, then per model a size table, an accuracy table and an op-coverage
 * table. Every string that came from a model or a file name is escaped here.
 */

/** Tables with more rows than this fold into <details>. */
const FOLD_ROWS = 8;

const STATUS_ICON: Record<ModelStatus, string> = {
  passed: '✅',
  failed: '❌',
  unverified: '❔',
  unsupported: '⚠️',
  error: '💥',
};

export interface RenderOptions {
  /** Where the full report and packages can be downloaded (artifact or run page). */
  detailsUrl?: string;
  /** Short commit ids of head and base, when known. */
  headSha?: string;
  baseSha?: string;
}

export function renderReportMarkdown(report: RunReport, options: RenderOptions = {}): string {
  const parts = [renderHeadline(report, options), renderStatusLines(report.models)];
  if (report.failures.length > 0) parts.push(renderFailures(report.failures));
  for (const model of report.models) parts.push(renderModel(model));
  if (report.notes.length > 0) parts.push(report.notes.map((n) => `> ${escapeMarkdown(n, 500)}`).join('\n'));
  parts.push(renderFooter(report, options));
  return `${parts.filter((p) => p.length > 0).join('\n\n')}\n`;
}

function renderHeadline(report: RunReport, options: RenderOptions): string {
  const counts = countStatuses(report.models);
  const verdict = report.passed ? '✅ all gates passed' : '❌ gates failed';
  const compared = options.baseSha ? ` · compared with base \`${safeSha(options.baseSha)}\`` : '';
  return [
    '## Core ML conversion report',
    '',
    `**${report.models.length} model${report.models.length === 1 ? '' : 's'}** · ${counts} · ${verdict}${compared}`,
    '',
    `Core ML numbers computed by the **${report.engine}**${report.engine === 'reference interpreter' ? ' (Linux; Core ML itself runs only on macOS)' : ''}.`,
  ].join('\n');
}

function countStatuses(models: readonly ModelResult[]): string {
  const order: ModelStatus[] = ['passed', 'failed', 'unverified', 'unsupported', 'error'];
  return order
    .map((s) => [s, models.filter((m) => m.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(' · ') || 'nothing to check';
}

function safeSha(sha: string): string {
  return sha.replace(/[^0-9a-f]/gi, '').slice(0, 12);
}

function renderStatusLines(models: readonly ModelResult[]): string {
  return models.map((m) => `- ${STATUS_ICON[m.status]} ${escapeMarkdownCode(m.path, 200)}: ${statusSummary(m)}`).join('\n');
}

function statusSummary(m: ModelResult): string {
  if (m.status === 'error') return `could not be processed: ${escapeMarkdown(m.error?.message ?? 'unknown error')}`;
  if (m.status === 'unsupported') {
    const ops = [...new Set(m.unsupported.map((u) => u.op))];
    return `${ops.length} unsupported op type${ops.length === 1 ? '' : 's'}: ${ops.map((o) => escapeMarkdownCode(o, 60)).join(', ')}`;
  }
  const variants = m.variants.map((v) => `${escapeMarkdown(v.name)} ${variantHeadline(v)}`).join(' · ');
  const isNew = m.base === null ? ' · new model' : '';
  return `${variants}${isNew} · ${formatSeconds(m.seconds)}`;
}

function variantHeadline(v: VariantResult): string {
  if (v.status === 'error') return '💥';
  const mark = v.status === 'passed' ? '✓' : v.status === 'failed' ? '✗' : '?';
  const detection = v.outputs.find((o) => o.detection)?.detection;
  if (detection) return `${mark} ${formatBytes(v.sizeBytes)}, precision ${formatFraction(detection.precision)} / recall ${formatFraction(detection.recall)}`;
  const worst = worstPsnr(v.outputs);
  return `${mark} ${formatBytes(v.sizeBytes)}${worst === undefined ? '' : `, ${formatDb(worst.psnrDb, worst.exact)}`}`;
}

function worstPsnr(outputs: readonly OutputResult[]): OutputResult | undefined {
  let worst: OutputResult | undefined;
  for (const o of outputs) {
    const v = o.psnrDb ?? (o.exact ? Infinity : -Infinity);
    const w = worst ? (worst.psnrDb ?? (worst.exact ? Infinity : -Infinity)) : Infinity;
    if (!worst || v < w) worst = o;
  }
  return worst;
}

function renderFailures(failures: readonly string[]): string {
  return ['**Failed gates**', '', ...failures.map((f) => `- ${escapeMarkdown(f, 500)}`)].join('\n');
}

function renderModel(m: ModelResult): string {
  const title = `### ${STATUS_ICON[m.status]} ${escapeMarkdownCode(m.path, 200)}`;
  const sections = [title];
  if (m.error) sections.push(`**${escapeMarkdown(m.error.code)}**: ${escapeMarkdown(m.error.message, 1000)}`);
  const references = referencesLine(m);
  if (references) sections.push(references);
  if (m.variants.length > 0) sections.push(renderSizeTable(m));
  const accuracy = m.variants.length > 0 ? renderAccuracyTable(m) : undefined;
  if (accuracy) sections.push(accuracy);
  const precisionNotes = renderPrecisionNotes(m.variants);
  if (precisionNotes) sections.push(precisionNotes);
  const detections = renderDetectionTable(m);
  if (detections) sections.push(detections);
  if (m.interface) sections.push(renderInterfaceSection(m.interface));
  if (m.coverage.length > 0) sections.push(renderCoverageTable(m));
  if (m.warnings.length > 0) {
    sections.push(fold(`Warnings (${m.warnings.length})`, m.warnings.map((w) => `- ${escapeMarkdown(w, 500)}`).join('\n'), true));
  }
  return sections.join('\n\n');
}

/** Where the reference outputs came from, or why there are none (with the fix). */
function referencesLine(m: ModelResult): string | undefined {
  if (m.status === 'unverified') return `**Not verified**: ${escapeMarkdown(m.unverifiedReason ?? 'no variant was verified', 1000)}`;
  if (m.variants.length === 0) return undefined;
  if (m.reference === 'test data') return 'Reference outputs: the test data beside the model.';
  if (m.reference === 'onnxruntime') return `Reference outputs: ${escapeMarkdownCode(m.referenceEngine ?? 'onnxruntime', 100)} on seeded inputs.`;
  return undefined;
}

function renderSizeTable(m: ModelResult): string {
  const hasBase = m.base !== undefined;
  // Compressed variants are judged against the uncompressed program: fp32 when it was built, else fp16.
  const reference = m.variants.find((v) => v.name === 'fp32') ?? m.variants.find((v) => v.name === 'fp16');
  const vsReference = reference && m.variants.length > 1;
  const header = ['Artifact', 'Size', 'vs ONNX', ...(vsReference ? [`Δ vs ${escapeMarkdown(reference.name)}`] : []), ...(hasBase ? ['Δ vs base'] : [])];
  const baseFor = (name: string) => m.base?.variants.find((v) => v.name === name);
  const onnxRow = ['ONNX', formatBytes(m.onnxBytes), '', ...(vsReference ? [''] : []), ...(hasBase ? [m.base === null ? 'new' : formatBytesDelta(m.onnxBytes, m.base?.onnxBytes)] : [])];
  const rows = m.variants.map((v) => [
    `Core ML ${escapeMarkdown(v.name)}`,
    formatBytes(v.sizeBytes),
    v.sizeBytes !== null && m.onnxBytes ? `${((v.sizeBytes / m.onnxBytes) * 100).toFixed(0)}%` : '—',
    ...(vsReference ? [v === reference ? '' : formatBytesDelta(v.sizeBytes, reference.sizeBytes)] : []),
    ...(hasBase ? [m.base === null ? 'new' : formatBytesDelta(v.sizeBytes, baseFor(v.name)?.sizeBytes)] : []),
  ]);
  return titled('Size', markdownTable([header, onnxRow, ...rows], { align: ['l', 'r', 'r', 'r', 'r'] }), rows.length + 1);
}

/** Element-wise numbers per output; a detector's outputs are in the detections table instead. */
function renderAccuracyTable(m: ModelResult): string | undefined {
  const hasBase = m.base !== undefined;
  const header = ['Variant', 'Output', 'Max abs error', 'PSNR', 'Top-1', ...(hasBase ? ['Δ PSNR vs base'] : []), 'Gate', 'Result'];
  const rows: string[][] = [];
  for (const v of m.variants) {
    if (v.outputs.length === 0) {
      rows.push([escapeMarkdown(v.name), '—', '—', '—', '—', ...(hasBase ? ['—'] : []), escapeMarkdown(v.gate), resultCell(v)]);
      continue;
    }
    const baseVariant = m.base?.variants.find((b) => b.name === v.name);
    for (const o of v.outputs.filter((out) => !out.detection)) {
      const baseOut = baseVariant?.outputs.find((b) => b.name === o.name);
      rows.push([
        escapeMarkdown(v.name),
        escapeMarkdownCode(o.name, 80),
        formatError(o.maxAbsError),
        formatDb(o.psnrDb, o.exact),
        formatFraction(o.top1Agreement),
        ...(hasBase ? [m.base === null ? 'new' : formatDbDelta(o.psnrDb, baseOut?.psnrDb)] : []),
        escapeMarkdown(v.gate),
        o.pass ? '✅' : `❌ ${escapeMarkdown(o.reason ?? '', 200)}`,
      ]);
    }
  }
  if (rows.length === 0) return undefined;
  return titled('Accuracy', markdownTable([header, ...rows]), rows.length);
}

const inCode = (name: string): string => escapeMarkdownCode(name, 80);

/**
 * One line under the accuracy table per variant that needs one: where a failing fp16 or
 * compressed variant first leaves fp32, and which ops a mixed-precision variant keeps in fp32.
 */
function renderPrecisionNotes(variants: readonly VariantResult[]): string | undefined {
  const lines: string[] = [];
  for (const v of variants) {
    const name = `**${escapeMarkdown(v.name)}**`;
    if (v.fp32Ops) lines.push(`- ${name} ${fp32OpsSentence(v.fp32Ops)}`);
    if (v.firstDivergence) lines.push(`- ${name} first leaves fp32 at ${describeDivergence(v.firstDivergence, escapeMarkdown(v.name), inCode)}`);
    else if (v.firstDivergence === null) lines.push(`- ${name} drifts from fp32 without a single op standing out`);
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

const SHOWN_FP32_OPS = 10;

function fp32OpsSentence(s: Fp32OpsSummary): string {
  const budget = s.budget === undefined ? '' : ` (budget ${s.budget})`;
  const shown = s.ops.slice(0, SHOWN_FP32_OPS).map((o) => `${inCode(o.op)} (${inCode(o.onnxNode ?? o.outputName)})`);
  if (s.ops.length > SHOWN_FP32_OPS) shown.push(`and ${s.ops.length - SHOWN_FP32_OPS} more`);
  const stopped = s.stoppedBecause === undefined ? '' : `; stopped: ${escapeMarkdown(s.stoppedBecause, 200)}`;
  return `keeps ${s.count} op${s.count === 1 ? '' : 's'} in fp32${budget}${s.count > 0 ? `: ${shown.join(', ')}` : ''}${stopped}`;
}

/**
 * A detector's variants judged as sets of detections: precision and recall of the
 * package's boxes against the reference boxes (same class, IoU ≥ 0.9), and the largest
 * box and score error of matched pairs.
 */
function renderDetectionTable(m: ModelResult): string | undefined {
  const rows: string[][] = [];
  for (const v of m.variants) {
    const line = v.outputs.find((o) => o.detection);
    const d = line?.detection;
    if (!line || !d) continue;
    rows.push([
      escapeMarkdown(v.name),
      formatFraction(d.precision),
      formatFraction(d.recall),
      `${d.matched} / ${d.packageCount} / ${d.referenceCount}`,
      formatError(d.maxBoxError),
      formatError(d.maxScoreError),
      `precision, recall ≥ ${formatFraction(Math.min(d.minPrecision, d.minRecall))}`,
      line.pass ? '✅' : `❌ ${escapeMarkdown(line.reason ?? '', 200)}`,
    ]);
  }
  if (rows.length === 0) return undefined;
  const header = ['Variant', 'Precision', 'Recall', 'Matched / package / reference', 'Max box error', 'Max score error', 'Gate', 'Result'];
  return titled('Detections', markdownTable([header, ...rows]), rows.length);
}

function resultCell(v: VariantResult): string {
  if (v.status === 'error') return `💥 ${escapeMarkdown(v.error?.message ?? 'error', 200)}`;
  if (v.status === 'unverified') return 'not verified';
  return v.status === 'passed' ? '✅' : '❌';
}

function renderCoverageTable(m: ModelResult): string {
  const failures = new Map<string, { node: string; reason: string }[]>();
  for (const u of m.unsupported) failures.set(u.op, [...(failures.get(u.op) ?? []), u]);
  const rows = [...m.coverage]
    .sort((a, b) => Number(a.supported) - Number(b.supported) || b.count - a.count || a.op.localeCompare(b.op))
    .map((c) => [
      escapeMarkdownCode(c.op, 60),
      String(c.count),
      String(c.folded ?? 0),
      emittedCell(c),
      coverageStatus(c, failures.get(c.op) ?? []),
    ]);
  const supported = m.coverage.filter((c) => c.supported).length;
  const title = `Op coverage: ${supported} of ${m.coverage.length} ONNX op types supported`;
  return fold(title, markdownTable([['ONNX op', 'Nodes', 'Folded', 'Core ML ops emitted', 'Status'], ...rows]), supported === m.coverage.length);
}

/** The MIL ops the nodes became, with a count where there is more than one. */
function emittedCell(c: CoverageRow): string {
  if (c.milOps.length === 0) return '—';
  return c.milOps.map((o) => {
    const n = c.emitted?.[o] ?? 1;
    return n > 1 ? `${escapeMarkdown(o)} ×${n}` : escapeMarkdown(o);
  }).join(', ');
}

/** ✅, or ❌ with each refused node and its reason, or a note on nodes an earlier failure kept from converting. */
function coverageStatus(c: CoverageRow, failed: readonly { node: string; reason: string }[]): string {
  if (!c.supported) {
    const shown = failed.slice(0, 3).map((u) => `${escapeMarkdownCode(u.node, 60)}: ${escapeMarkdown(u.reason, 200)}`);
    if (failed.length > 3) shown.push(`and ${failed.length - 3} more`);
    return `❌ ${shown.join('; ')}`;
  }
  const skipped = c.skipped ?? 0;
  return skipped > 0 ? `⚠️ ${skipped} not converted: an input failed` : '✅';
}

/** A titled table, folded into <details> when long. */
function titled(title: string, table: string, rows: number): string {
  return rows > FOLD_ROWS ? fold(title, table, true) : `**${title}**\n\n${table}`;
}

function fold(summary: string, body: string, closed: boolean): string {
  return `<details${closed ? '' : ' open'}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

const FOOTER_END = '</sub>';

function renderFooter(report: RunReport, options: RenderOptions): string {
  const link = options.detailsUrl ? detailsLink(options.detailsUrl) : '';
  return `<sub>${escapeMarkdown(report.tool.name)} ${escapeMarkdown(report.tool.version)} · variants: ${report.variants.map((v) => escapeMarkdown(v)).join(', ')}${link}${FOOTER_END}`;
}

function detailsLink(url: string): string {
  return ` · [full report and packages](${encodeURI(url).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))})`;
}

/**
 * A rendered report with the link to its full report added to the footer.
 * The comment is rendered once, into comment.md, before the artifact that
 * holds it exists; delivery adds the artifact's address afterwards.
 */
export function withDetailsLink(markdown: string, detailsUrl: string | undefined): string {
  const end = markdown.lastIndexOf(FOOTER_END);
  if (detailsUrl === undefined || end < 0) return markdown;
  return `${markdown.slice(0, end)}${detailsLink(detailsUrl)}${markdown.slice(end)}`;
}
