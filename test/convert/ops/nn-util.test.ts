import { describe, expect, it } from 'vitest';
import { transpose2d } from '../../../src/convert/ops/nn-util.js';
import { isOnDemand, onDemandTensor, originOf } from '../../../src/tensor/on-demand.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

describe('transpose2d', () => {
  it('transposes every element width, bit for bit', () => {
    const f32 = makeTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, Number.NaN]));
    expect([...(transpose2d(f32).data as Float32Array)]).toEqual([1, 4, 2, 5, 3, Number.NaN]);
    expect(transpose2d(f32).shape).toEqual([3, 2]);
    const f16 = makeTensor('float16', [1, 3], Uint16Array.from([0x3c00, 0x8000, 0x7e01]));
    expect([...(transpose2d(f16).data as Uint16Array)]).toEqual([0x3c00, 0x8000, 0x7e01]);
    const i8 = makeTensor('int8', [3, 2], Int8Array.from([-1, 2, -3, 4, -5, 6]));
    expect([...(transpose2d(i8).data as Int8Array)]).toEqual([-1, -3, -5, 2, 4, 6]);
    const i64 = makeTensor('int64', [2, 2], BigInt64Array.from([1n, 2n, 3n, 4n]));
    expect([...(transpose2d(i64).data as BigInt64Array)]).toEqual([1n, 3n, 2n, 4n]);
  });

  it('makes its copy only when it is read, naming its source for equality tests', () => {
    let read = 0;
    const source = onDemandTensor('float32', [130, 70], () => (read++, Float32Array.from({ length: 130 * 70 }, (_, i) => i)));
    const transposed = transpose2d(source);
    expect(isOnDemand(transposed)).toBe(true);
    expect(originOf(transposed)).toEqual({ of: source, by: 'transpose2d' });
    expect(read).toBe(0);
    const data = transposed.data as Float32Array;
    expect(data[1]).toBe(70);
    expect(data[130]).toBe(1);
    expect(data[130 * 70 - 1]).toBe(130 * 70 - 1);
    expect(read).toBe(1);
  });

  it('lets go of a source read on demand once it has been transposed', () => {
    let read = 0;
    const source = onDemandTensor('float32', [2, 2], () => (read++, Float32Array.from([1, 2, 3, 4])));
    void transpose2d(source).data;
    void source.data;
    expect(read).toBe(2);
  });
});
