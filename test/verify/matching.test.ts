import { describe, expect, it } from 'vitest';
import { matchTensors, namedTensors } from '../../src/verify/matching.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

const t = (v: number) => makeTensor('float32', [1], Float32Array.of(v));
const context = { what: 'input' as const, dataSet: 'test_data_set_0', file: 'data' };
const value = (m: Map<string, Tensor>, name: string) => (m.get(name)!.data as Float32Array)[0];

describe('matchTensors', () => {
  it('pairs by name whatever the order', () => {
    const m = matchTensors(['a', 'b'], [{ name: 'b', tensor: t(2) }, { name: 'a', tensor: t(1) }], context);
    expect([value(m, 'a'), value(m, 'b')]).toEqual([1, 2]);
  });

  it('falls back to position for unnamed tensors and names the model does not have', () => {
    const m = matchTensors(['x_1', 'y'], [{ name: 'x.1', tensor: t(1) }, { name: '', tensor: t(2) }], context);
    expect([value(m, 'x_1'), value(m, 'y')]).toEqual([1, 2]);
  });

  it('does not take a tensor by position when its name belongs to another model input', () => {
    expect(() => matchTensors(['a', 'b'], [{ name: 'b', tensor: t(1) }], context)).toThrow(
      /test_data_set_0 has no tensor for model input "a" \(by name or at position 0; it has "b"\)/,
    );
  });

  it('pairs by position when a sanitized name collides with another original name', () => {
    // ONNX inputs "x.1" and "x_1" become Core ML "x_1" and "x_1_0": the name "x_1" would pick the wrong tensor.
    const m = matchTensors(['x_1', 'x_1_0'], [{ name: 'x.1', tensor: t(1) }, { name: 'x_1', tensor: t(2) }], context);
    expect([value(m, 'x_1'), value(m, 'x_1_0')]).toEqual([1, 2]);
  });

  it('names the data file in the error', () => {
    expect(() => matchTensors(['a'], [], context)).toThrow(expect.objectContaining({ code: 'REFERENCE', file: 'data' }));
  });
});

describe('namedTensors', () => {
  it('keeps the record order', () => {
    expect(namedTensors({ z: t(1), a: t(2) }).map((n) => n.name)).toEqual(['z', 'a']);
  });
});
