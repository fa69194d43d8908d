import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { float16BitsToFloat32 } from '../../../src/tensor/fp16.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph, firstOp } from './elementwise-helpers.js';

const f32 = (shape: (number | string | null)[], name = 'x') => valueInfo(name, 'float32', shape);

function binaryGraph(op: string, a = f32([2, 3], 'a'), b = f32([3], 'b'), outDType: 'float32' | 'bool' = 'float32', opset = 17) {
  return convertGraph({
    nodes: [node(op, ['a', 'b'], ['y'])],
    inputs: [a, b],
    outputs: [valueInfo('y', outDType, [2, 3])],
    opset,
  });
}

describe('arithmetic converters', () => {
  it.each([
    ['Add', 'add'],
    ['Sub', 'sub'],
    ['Mul', 'mul'],
    ['Div', 'real_div'],
    ['Pow', 'pow'],
  ])('%s becomes %s with broadcasting', (onnx, mil) => {
    const c = binaryGraph(onnx);
    expect(c.types).toEqual([mil]);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [2, 3] });
  });

  it('integer Div truncates toward zero via |a|, |b|, floor_div and the product of signs', () => {
    const c = binaryGraph('Div', valueInfo('a', 'int32', [2, 3]), valueInfo('b', 'int32', [3]));
    expect(c.types).toContain('floor_div');
    expect(c.types.filter((t) => t === 'abs')).toHaveLength(2);
    expect(c.types.filter((t) => t === 'sign')).toHaveLength(2);
    expect(c.types).not.toContain('real_div');
    expect(c.typeOf('y').dtype).toBe('int32');
  });

  it('int64 operands arrive as int32 and stay integer', () => {
    const c = convertGraph({
      nodes: [node('Mul', ['a', 'k'], ['y'])],
      inputs: [valueInfo('a', 'int64', [4])],
      outputs: [valueInfo('y', 'int64', [4])],
      initializers: { k: makeTensor('int64', [], BigInt64Array.from([3n])) },
    });
    expect(c.typeOf('y').dtype).toBe('int32');
    expect(c.constParam(firstOp(c, 'mul'), 'y')!.dtype).toBe('int32');
  });

  it('Pow with a constant base of 2 becomes exp(y·ln 2)', () => {
    const c = convertGraph({
      nodes: [node('Pow', ['two', 'x'], ['y'])],
      inputs: [f32([4])],
      outputs: [f32([4], 'y')],
      initializers: { two: makeTensor('float32', [], Float32Array.from([2])) },
    });
    expect(c.types).toEqual(['mul', 'exp']);
    expect(c.constParam(firstOp(c, 'mul'), 'y')!.data[0]).toBeCloseTo(Math.LN2, 6);
  });

  it('Pow casts an integer exponent to the float base dtype', () => {
    const c = binaryGraph('Pow', f32([2, 3], 'a'), valueInfo('b', 'int64', [3]));
    expect(c.types).toEqual(['cast', 'pow']);
    expect(c.typeOf('y').dtype).toBe('float32');
  });

  it('Neg multiplies by -1 in the input dtype', () => {
    const c = convertGraph({ nodes: [node('Neg', ['x'], ['y'])], inputs: [valueInfo('x', 'int32', [3])], outputs: [valueInfo('y', 'int32', [3])] });
    const mul = firstOp(c, 'mul');
    expect(toNumberList(c.constParam(mul, 'y')!)).toEqual([-1]);
    expect(c.constParam(mul, 'y')!.dtype).toBe('int32');
  });

  it('Reciprocal and Log pass epsilon 0 for exact results', () => {
    for (const [onnx, mil] of [['Reciprocal', 'inverse'], ['Log', 'log']] as const) {
      const c = convertGraph({ nodes: [node(onnx, ['x'], ['y'])], inputs: [f32([3])], outputs: [f32([3], 'y')] });
      const op = firstOp(c, mil);
      expect(toNumberList(c.constParam(op, 'epsilon')!)).toEqual([0]);
    }
  });

  it('epsilon follows an fp16 input so iOS15 type checks pass', () => {
    const c = convertGraph({
      nodes: [node('Reciprocal', ['x'], ['y'])],
      inputs: [valueInfo('x', 'float16', [3])],
      outputs: [valueInfo('y', 'float16', [3])],
      target: 'iOS16',
    });
    const eps = c.constParam(firstOp(c, 'inverse'), 'epsilon')!;
    expect(eps.dtype).toBe('float16');
    expect(float16BitsToFloat32((eps.data as Uint16Array)[0]!)).toBe(0);
  });

  it.each([
    ['Sqrt', 'sqrt'],
    ['Exp', 'exp'],
    ['Abs', 'abs'],
    ['Erf', 'erf'],
  ])('%s maps to %s and keeps the shape', (onnx, mil) => {
    const c = convertGraph({ nodes: [node(onnx, ['x'], ['y'])], inputs: [f32(['N', 3])], outputs: [f32(['N', 3], 'y')] });
    expect(c.types).toEqual([mil]);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [null, 3] });
  });

  it('variadic Max folds maximum over every input', () => {
    const c = convertGraph({
      nodes: [node('Max', ['a', 'b', 'c'], ['y'])],
      inputs: [f32([2, 3], 'a'), f32([3], 'b'), f32([1], 'c')],
      outputs: [f32([2, 3], 'y')],
    });
    expect(c.types).toEqual(['maximum', 'maximum']);
  });

  it('Mean sums and divides by the input count', () => {
    const c = convertGraph({
      nodes: [node('Mean', ['a', 'b'], ['y'])],
      inputs: [f32([3], 'a'), f32([3], 'b')],
      outputs: [f32([3], 'y')],
    });
    expect(c.types).toEqual(['add', 'real_div']);
    expect(toNumberList(c.constParam(firstOp(c, 'real_div'), 'y')!)).toEqual([2]);
  });
});

describe('comparison and logic converters', () => {
  it.each([
    ['Equal', 'equal', 11],
    ['Less', 'less', 11],
    ['Greater', 'greater', 11],
    ['LessOrEqual', 'less_equal', 12],
    ['GreaterOrEqual', 'greater_equal', 12],
  ])('%s becomes %s and yields bool (returned as int32)', (onnx, mil, opset) => {
    const c = binaryGraph(onnx, f32([2, 3], 'a'), f32([3], 'b'), 'bool', opset);
    expect(c.types[0]).toBe(mil);
    expect(c.ops.find((o) => o.type === mil)!.outputs[0]!.type.dtype).toBe('bool');
    expect(c.typeOf('y').dtype).toBe('int32');
  });

  it('Equal on bool uses not(xor) because MIL comparisons take no bool', () => {
    const c = convertGraph({
      nodes: [node('Less', ['a', 'b'], ['p']), node('Greater', ['a', 'b'], ['q']), node('Equal', ['p', 'q'], ['y'])],
      inputs: [f32([2, 3], 'a'), f32([3], 'b')],
      outputs: [valueInfo('y', 'bool', [2, 3])],
    });
    expect(c.types.slice(2, 4)).toEqual(['logical_xor', 'logical_not']);
    expect(c.types).not.toContain('equal');
  });

  it('Not and Where map to logical_not and select', () => {
    const c = convertGraph({
      nodes: [node('Not', ['m'], ['n']), node('Where', ['n', 'a', 'b'], ['y'])],
      inputs: [valueInfo('m', 'bool', [4, 1]), f32([5], 'a'), f32([], 'b')],
      outputs: [f32([4, 5], 'y')],
    });
    expect(c.types).toContain('logical_not');
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [4, 5] });
    expect(firstOp(c, 'select').inputs['cond']).toBeDefined();
  });

  it('LessOrEqual before opset 12 is not offered', () => {
    expect(() => binaryGraph('LessOrEqual', f32([2, 3], 'a'), f32([3], 'b'), 'bool', 11)).toThrow(ConversionError);
  });
});

describe('Mod', () => {
  const modGraph = (fmod: number, dtype: 'float32' | 'int32') =>
    convertGraph({
      nodes: [node('Mod', ['a', 'b'], ['y'], { fmod })],
      inputs: [valueInfo('a', dtype, [4]), valueInfo('b', dtype, [4])],
      outputs: [valueInfo('y', dtype, [4])],
    });

  it('fmod=0 (sign of the divisor) is MIL mod', () => {
    expect(modGraph(0, 'int32').types).toEqual(['mod']);
  });

  it('fmod=1 (sign of the dividend) subtracts the truncated quotient times y', () => {
    const ints = modGraph(1, 'int32');
    expect(ints.types).toContain('floor_div');
    expect(ints.types.at(-1)).toBe('sub');
    const floats = modGraph(1, 'float32');
    expect(floats.types).toEqual(['real_div', 'sign', 'abs', 'floor', 'mul', 'mul', 'sub']);
  });
});

describe('element-wise numbers on the reference interpreter', () => {
  const ints = (values: number[]) => makeTensor('int32', [values.length], Int32Array.from(values));
  const floats = (values: number[]) => makeTensor('float32', [values.length], Float32Array.from(values));
  const pair = (op: string, dtype: 'int32' | 'float32', attrs: Record<string, number> = {}) =>
    convertGraph({
      nodes: [node(op, ['a', 'b'], ['y'], attrs)],
      inputs: [valueInfo('a', dtype, [4]), valueInfo('b', dtype, [4])],
      outputs: [valueInfo('y', dtype, [4])],
    });

  it('integer Div truncates toward zero like ONNX', () => {
    expect(pair('Div', 'int32').run({ a: ints([7, -7, 7, -7]), b: ints([2, 2, -2, -2]) })['y']).toEqual([3, -3, -3, 3]);
  });

  it('Mod follows the divisor sign with fmod=0 and the dividend sign with fmod=1', () => {
    const inputs = { a: ints([7, -7, 7, -7]), b: ints([3, 3, -3, -3]) };
    expect(pair('Mod', 'int32').run(inputs)['y']).toEqual([1, 2, -2, -1]);
    expect(pair('Mod', 'int32', { fmod: 1 }).run(inputs)['y']).toEqual([1, -1, 1, -1]);
    const fl = pair('Mod', 'float32', { fmod: 1 }).run({ a: floats([5.5, -5.5, 5.5, -5.5]), b: floats([2, 2, -2, -2]) });
    expect(fl['y']).toEqual([1.5, -1.5, 1.5, -1.5]);
  });

  it('Pow with base 2 gives 2^y', () => {
    const c = convertGraph({
      nodes: [node('Pow', ['two', 'x'], ['y'])],
      inputs: [f32([4])],
      outputs: [f32([4], 'y')],
      initializers: { two: makeTensor('float32', [], Float32Array.from([2])) },
    });
    const y = c.run({ x: floats([0, 1, 3, -1]) })['y']!;
    [1, 2, 8, 0.5].forEach((want, i) => expect(y[i]).toBeCloseTo(want, 5));
  });

  it('Reciprocal is exact (no epsilon added)', () => {
    const c = convertGraph({ nodes: [node('Reciprocal', ['x'], ['y'])], inputs: [f32([3])], outputs: [f32([3], 'y')] });
    expect(c.run({ x: floats([2, 4, -8]) })['y']).toEqual([0.5, 0.25, -0.125]);
  });

  it('Where selects with broadcasting and Equal on bools compares truth values', () => {
    const c = convertGraph({
      nodes: [
        node('Less', ['a', 'b'], ['p']),
        node('Greater', ['a', 'zero'], ['q']),
        node('Equal', ['p', 'q'], ['same']),
        node('Where', ['same', 'a', 'b'], ['y']),
      ],
      inputs: [f32([4], 'a'), f32([4], 'b')],
      outputs: [f32([4], 'y')],
      initializers: { zero: makeTensor('float32', [], Float32Array.from([0])) },
    });
    // p = a < b, q = a > 0; same where both or neither hold.
    expect(c.run({ a: floats([1, -1, 2, -2]), b: floats([2, 0, 1, -3]) })['y']).toEqual([1, 0, 1, -2]);
  });

  it('Max, Min and Mean fold over all inputs', () => {
    const variadic = (op: string) =>
      convertGraph({
        nodes: [node(op, ['a', 'b', 'c'], ['y'])],
        inputs: [f32([2], 'a'), f32([2], 'b'), f32([1], 'c')],
        outputs: [f32([2], 'y')],
      });
    const inputs = { a: floats([1, 6]), b: floats([4, 2]), c: floats([3]) };
    expect(variadic('Max').run(inputs)['y']).toEqual([4, 6]);
    expect(variadic('Min').run(inputs)['y']).toEqual([1, 2]);
    expect(variadic('Mean').run(inputs)['y']).toEqual([8 / 3, 11 / 3].map(Math.fround));
  });
});

describe('IsNaN, IsInf and Round', () => {
  const classify = (op: string, attrs: Record<string, number> = {}) =>
    convertGraph({
      nodes: [node(op, ['x'], ['y'], attrs)],
      inputs: [f32([4])],
      outputs: [valueInfo('y', 'bool', [4])],
    });
  const x = makeTensor('float32', [4], Float32Array.from([NaN, Infinity, -Infinity, 1]));

  it('IsNaN compares x with itself', () => {
    expect(classify('IsNaN').run({ x })['y']).toEqual([1, 0, 0, 0]);
  });

  it('IsInf detects both signs by default, or one sign, or none', () => {
    expect(classify('IsInf').run({ x })['y']).toEqual([0, 1, 1, 0]);
    expect(classify('IsInf', { detect_negative: 0 }).run({ x })['y']).toEqual([0, 1, 0, 0]);
    expect(classify('IsInf', { detect_positive: 0 }).run({ x })['y']).toEqual([0, 0, 1, 0]);
    expect(classify('IsInf', { detect_positive: 0, detect_negative: 0 }).run({ x })['y']).toEqual([0, 0, 0, 0]);
  });

  it('Round maps to round (half to even, as ONNX and coremltools agree)', () => {
    const c = convertGraph({ nodes: [node('Round', ['x'], ['y'])], inputs: [f32([4])], outputs: [f32([4], 'y')] });
    expect(c.types).toEqual(['round']);
  });
});
