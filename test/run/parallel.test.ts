import { describe, expect, it } from 'vitest';
import type { ModelResult, VariantResult } from '../../src/report/schema.js';
import { emptyModelResult } from '../../src/run/model.js';
import { mergeVariantResults } from '../../src/run/parallel.js';

/** Putting a model's per-variant results back together gives what one job running them in turn gives. */

function variant(name: string, status: VariantResult['status']): VariantResult {
  return { name, status } as VariantResult;
}

function taskResult(v: VariantResult, seconds: number): ModelResult {
  return { ...emptyModelResult('m.onnx', 10), reference: 'onnxruntime', warnings: ['seeded inputs'], variants: [v], seconds };
}

describe('mergeVariantResults', () => {
  it('keeps the variants in task order, the shared parts once, and settles the status from all variants', () => {
    const merged = mergeVariantResults('m.onnx', [
      { ok: true, value: taskResult(variant('fp32', 'passed'), 1) },
      { ok: true, value: taskResult(variant('int8', 'failed'), 2) },
    ]);
    expect(merged.variants.map((v) => v.name)).toEqual(['fp32', 'int8']);
    expect(merged.warnings).toEqual(['seeded inputs']);
    expect(merged.status).toBe('failed');
    expect(merged.seconds).toBe(3);
  });

  it('fails the model with the reason when one of its workers died', () => {
    const merged = mergeVariantResults('m.onnx', [
      { ok: true, value: taskResult(variant('fp32', 'passed'), 1) },
      { ok: false, reason: 'the worker ran out of memory' },
    ]);
    expect(merged.status).toBe('error');
    expect(merged.error).toEqual({ code: 'WORKER', message: 'm.onnx: the worker ran out of memory' });
  });

  it('reports a model that failed before its variants as that failure, once', () => {
    const unreadable: ModelResult = { ...emptyModelResult('m.onnx'), status: 'error', error: { code: 'MALFORMED', message: 'm.onnx: bad' }, seconds: 1 };
    const merged = mergeVariantResults('m.onnx', [{ ok: true, value: unreadable }, { ok: true, value: unreadable }]);
    expect(merged).toEqual({ ...unreadable, seconds: 2 });
  });
});
