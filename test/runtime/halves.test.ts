import { describe, expect, it } from 'vitest';
import type { MilOperation } from '../../src/mil/ir.js';
import { resultsAreHalves } from '../../src/runtime/halves.js';
import type { RtValue } from '../../src/runtime/value.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const op = (type: string, attributes: MilOperation['attributes'] = {}): MilOperation => ({ type, name: type, inputs: {}, outputs: [], attributes, blocks: [] });
const value = (dtype: RtValue['dtype']): RtValue => ({ dtype, shape: [2], data: new Float32Array(2) });
const params = (...values: RtValue[]) => new Map(values.map((v, i) => [`p${i}`, [v]]));

describe('resultsAreHalves', () => {
  it('holds for a const read from half storage and not for a float32 one', () => {
    expect(resultsAreHalves(op('const', { val: makeTensor('float16', [1], Uint16Array.of(0x3c00)) }), new Map())).toBe(true);
    expect(resultsAreHalves(op('const', { val: makeTensor('float32', [1], Float32Array.of(1)) }), new Map())).toBe(false);
  });

  it('holds for ops that only move elements when every float input is float16', () => {
    const indices: RtValue = { dtype: 'int32', shape: [2], data: Int32Array.of(1, 0) };
    expect(resultsAreHalves(op('transpose'), params(value('float16'), indices))).toBe(true);
    expect(resultsAreHalves(op('constexpr_lut_to_dense'), params(value('float16'), { dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 1) }))).toBe(true);
    expect(resultsAreHalves(op('concat'), params(value('float16'), value('float32')))).toBe(false);
  });

  it('does not hold for ops that compute new values', () => {
    expect(resultsAreHalves(op('add'), params(value('float16'), value('float16')))).toBe(false);
    expect(resultsAreHalves(op('constexpr_affine_dequantize'), params(value('float16')))).toBe(false);
  });
});
