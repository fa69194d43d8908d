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

describe('parseRunReport', () => {
  test('accepts a report the runner wrote', () => {
    const r = report(['a.onnx']);
    expect(parseRunReport(JSON.stringify(r), 'x')).toEqual(r);
  });

  test.each([
    ['not JSON', '{', /x: not JSON/],
    ['another schema version', JSON.stringify({ ...report([]), schemaVersion: 2 }), /not a version 1 report/],
    ['a model status outside the schema', JSON.stringify({ ...report(['a']), models: [{ ...report(['a']).models[0], status: 'great' }] }), /x\.models\[0\]\.status: expected one of/],
    ['passed given as text', JSON.stringify({ ...report([]), passed: 'yes' }), /x\.passed: expected true or false/],
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
