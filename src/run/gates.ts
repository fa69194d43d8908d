import { formatBytes } from '../report/format.js';
import type { GateSettings, ModelResult, VariantResult } from '../report/schema.js';

/**
 * The run's verdict: one line per reason a gate failed, naming the model, the
 * variant and the output, so a reader of the CI log knows what to fix without
 * opening the report.
 */

export function gateFailures(models: readonly ModelResult[], gates: GateSettings): string[] {
  return models.flatMap((m) => modelFailures(m, gates));
}

function modelFailures(m: ModelResult, gates: GateSettings): string[] {
  const lines: string[] = [];
  if (m.status === 'error') lines.push(`${m.path}: could not be processed: ${stripFile(m.error?.message ?? 'unknown error', m.path)}`);
  if (m.status === 'unsupported' && gates.failOnUnsupported) {
    const ops = [...new Set(m.unsupported.map((u) => u.op))].sort();
    lines.push(`${m.path}: ${m.unsupported.length} node(s) use unsupported ops: ${ops.join(', ')}`);
  }
  if (m.status === 'unverified' && gates.allowUnverified !== true) lines.push(`${m.path}: not verified: ${m.unverifiedReason ?? 'no variant was verified'}`);
  for (const v of m.variants) lines.push(...accuracyFailures(m.path, v));
  if (gates.maxSizeIncrease !== undefined) lines.push(...sizeFailures(m, gates.maxSizeIncrease));
  return lines;
}

function accuracyFailures(path: string, v: VariantResult): string[] {
  if (v.status === 'error') return [`${path} [${v.name}]: ${stripFile(v.error?.message ?? 'failed', path)}`];
  if (v.status !== 'failed') return [];
  const failed = v.outputs.filter((o) => !o.pass);
  if (failed.length === 0) return [`${path} [${v.name}]: verification produced no outputs`];
  return failed.map((o) => `${path} [${v.name}] output "${o.name}": ${o.reason ?? `fails the ${v.gate} gate`}`);
}

function sizeFailures(m: ModelResult, maxPercent: number): string[] {
  if (!m.base) return [];
  const lines: string[] = [];
  for (const v of m.variants) {
    const before = m.base.variants.find((b) => b.name === v.name)?.sizeBytes;
    if (v.sizeBytes === null || before === null || before === undefined || before <= 0) continue;
    const percent = ((v.sizeBytes - before) / before) * 100;
    if (!(percent <= maxPercent)) {
      lines.push(
        `${m.path} [${v.name}]: package grew ${percent.toFixed(1)}% vs base (${formatBytes(before)} → ${formatBytes(v.sizeBytes)}), ` +
          `over the ${maxPercent}% limit`,
      );
    }
  }
  return lines;
}

/** Error messages start with the file name; the line already does. */
function stripFile(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
