import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import type { DType } from '../../../src/tensor/dtype.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph } from './elementwise-helpers.js';
import { compareWithOrt } from './ort-parity.js';
import { compareTypedWithOrt, uint64Input } from './ort-typed.js';

const floats = (values: number[]) => makeTensor('float32', [values.length], Float32Array.from(values));

function unary(op: string, n: number, inDType: DType = 'float32', outDType: DType = inDType) {
  return convertGraph({ nodes: [node(op, ['x'], ['y'])], inputs: [valueInfo('x', inDType, [n])], outputs: [valueInfo('y', outDType, [n])] });
}

describe('inverse hyperbolic functions MIL lacks', () => {
  it('Asinh is sign(x)·log(|x| + sqrt(x² + 1))', () => {
    const c = unary('Asinh', 4);
    expect(c.types).toEqual(['abs', 'mul', 'add', 'sqrt', 'add', 'log', 'sign', 'mul']);
    const values = [-1e4, -0.5, 0, 3];
    c.run({ x: floats(values) })['y']!.forEach((v, i) => expect(v).toBeCloseTo(Math.asinh(values[i]!), 5));
  });

  it('Acosh is log(x + sqrt(x² − 1)) and NaN below 1', () => {
    const values = [1, 1.5, 10, 0.5];
    const y = unary('Acosh', 4).run({ x: floats(values) })['y']!;
    y.slice(0, 3).forEach((v, i) => expect(v).toBeCloseTo(Math.acosh(values[i]!), 5));
    expect(y[3]).toBeNaN();
  });

  it.each(['Asinh', 'Acosh'])('%s matches onnxruntime', async (op) => {
    const x = makeTensor('float32', [2, 5], Float32Array.from({ length: 10 }, (_, i) => 1 + i * 0.7 - (op === 'Asinh' ? 4 : 0)));
    const verdicts = await compareWithOrt(node(op, ['x'], ['y']), { x });
    expect(verdicts.every((v) => v.pass), verdicts[0]?.reason).toBe(true);
  });
});

describe('CastLike', () => {
  const castLike = (from: DType, like: DType) =>
    convertGraph({
      nodes: [node('CastLike', ['x', 'like'], ['y'])],
      inputs: [valueInfo('x', from, [3]), valueInfo('like', like, [1])],
      outputs: [valueInfo('y', like, [3])],
    });

  it('casts to the element type of the second input, as Core ML holds it', () => {
    const c = castLike('float32', 'int64');
    // The identity keeps the otherwise unread `like` input alive.
    expect(c.types).toEqual(['cast', 'identity']);
    expect(c.typeOf('y').dtype).toBe('int32');
    expect(c.run({ x: floats([1.7, -2.2, 3]), like: makeTensor('int32', [1], Int32Array.from([0])) })['y']).toEqual([1, -2, 3]);
  });

  it('emits no cast when the types already agree (float64 is fp32 in Core ML)', () => {
    expect(castLike('float32', 'float64').types).not.toContain('cast');
  });

  it('refuses targets Core ML cannot hold', () => {
    expect(() => castLike('float32', 'bfloat16')).toThrow(ConversionError);
  });
});

describe('BitShift', () => {
  const shift = (direction: string, constantY?: number[]) =>
    convertGraph({
      nodes: [node('BitShift', ['x', 'y'], ['z'], { direction })],
      inputs: constantY ? [valueInfo('x', 'uint32', [3])] : [valueInfo('x', 'uint32', [3]), valueInfo('y', 'uint32', [3])],
      outputs: [valueInfo('z', 'uint32', [3])],
      initializers: constantY ? { y: makeTensor('uint32', [3], Uint32Array.from(constantY)) } : {},
    });
  const ints = (values: number[]) => makeTensor('int32', [values.length], Int32Array.from(values));

  it('LEFT multiplies by 2^y gathered from a table of powers of two', () => {
    const c = shift('LEFT');
    expect(c.types).toEqual(['gather', 'mul']);
    expect(c.run({ x: ints([16, 4, 1]), y: ints([1, 2, 3]) })['z']).toEqual([32, 16, 8]);
  });

  it('RIGHT floor-divides by 2^y, a constant when y is', () => {
    const c = shift('RIGHT', [1, 2, 3]);
    expect(c.types).toEqual(['floor_div']);
    expect(c.run({ x: ints([16, 7, 1]) })['z']).toEqual([8, 1, 0]);
  });

  it('refuses an unknown direction and constant shifts beyond int32', () => {
    expect(() => shift('UP')).toThrow(ConversionError);
    expect(() => shift('LEFT', [31, 0, 0])).toThrow(ConversionError);
  });

  it('matches onnxruntime on uint64 in both directions', async () => {
    for (const direction of ['LEFT', 'RIGHT']) {
      const n = node('BitShift', ['x', 'y'], ['z'], { direction });
      const verdicts = await compareTypedWithOrt(n, { x: uint64Input([4], [16, 5, 1, 1023]), y: uint64Input([4], [1, 2, 3, 4]) }, ['uint64'], {});
      expect(verdicts[0]?.pass, verdicts[0]?.reason).toBe(true);
    }
  });
});
