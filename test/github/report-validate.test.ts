import { describe, expect, test } from 'vitest';
import { parseRunReport } from '../../src/github/report-validate.js';
import { mergeReports } from '../../src/github/aggregate.js';
import { emptyReport } from '../../src/report/files.js';
import type { RunReport } from '../../src/report/schema.js';

function report(paths: string[], passed = true): RunReport {
  return {
    ...emptyReport(['fp32'], { failOnUnsupported: true }, '0.1.0'),
    models: paths.map((path) => ({ path, status: passed ? 'passed' : 'failed', onnxBytes: 1, reference: 'none', coverage: [], unsupported: [], variants: [], warnings: [], seconds: 0 })),
    failures: passed ? [] : paths.map((p) => `${p}: failed`),
    passed,
  };
}

const DIVERGENCE = {
  op: 'pow', onnxNode: 'Pow_1', outputName: 'sq', error: { kind: 'overflow', relative: 0.001, count: 3, elements: 8 }, fp32Range: [0, 70000], variantRange: [0, '+inf'],
};

/** A report with one model and one variant carrying `extra`. */
function withVariant(extra: Record<string, unknown>): RunReport {
  const r = report(['a.onnx']);
  const variant = { name: 'fp16', target: 'iOS15', status: 'failed', sizeBytes: 1, package: null, gate: 'PSNR ≥ 40 dB', outputs: [], warnings: [], ...extra };
  return { ...r, models: [{ ...r.models[0]!, variants: [variant as RunReport['models'][number]['variants'][number]] }] };
}

describe('parseRunReport', () => {
  test('accepts a report the runner wrote', () => {
    const r = report(['a.onnx']);
    expect(parseRunReport(JSON.stringify(r), 'x')).toEqual(r);
  });

  test('accepts a variant with its first divergence and its fp32 ops', () => {
    const r = withVariant({ firstDivergence: DIVERGENCE, fp32Ops: { count: 1, budget: 32, ops: [{ op: 'pow', onnxNode: null, outputName: 'sq' }] } });
    expect(parseRunReport(JSON.stringify(r), 'x')).toEqual(r);
    expect(parseRunReport(JSON.stringify(withVariant({ firstDivergence: null })), 'x').models[0]!.variants[0]!.firstDivergence).toBeNull();
  });

  test.each([
    ['not JSON', '{', /x: not JSON/],
    ['another schema version', JSON.stringify({ ...report([]), schemaVersion: 2 }), /not a version 1 report/],
    ['a model status outside the schema', JSON.stringify({ ...report(['a']), models: [{ ...report(['a']).models[0], status: 'great' }] }), /x\.models\[0\]\.status: expected one of/],
    ['passed given as text', JSON.stringify({ ...report([]), passed: 'yes' }), /x\.passed: expected true or false/],
    ['a first divergence whose range is text', JSON.stringify(withVariant({ firstDivergence: { ...DIVERGENCE, fp32Range: ['<b>', 1] } })), /firstDivergence\.fp32Range\[0\]: expected a number, \+inf, -inf or nan/],
    ['fp32 ops without a count', JSON.stringify(withVariant({ fp32Ops: { ops: [] } })), /fp32Ops\.count: expected a number/],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseRunReport(text, 'x')).toThrow(message);
  });
});

describe('mergeReports', () => {
  test('joins the models of every job, sorted, and fails when any job failed', () => {
    const merged = mergeReports([report(['b.onnx']), report(['a.onnx'], false)], report([]));
    expect(merged.models.map((m) => m.path)).toEqual(['a.onnx', 'b.onnx']);
    expect(merged.passed).toBe(false);
    expect(merged.failures).toEqual(['a.onnx: failed']);
  });

  test('returns the fallback when there is nothing to merge', () => {
    const fallback = report([]);
    expect(mergeReports([], fallback)).toBe(fallback);
  });
});
