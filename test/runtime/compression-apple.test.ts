import { describe, expect, it } from 'vitest';
import type { MilOperation, MilProgram, MilTensorType } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import type { DType } from '../../src/tensor/dtype.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../src/tensor/fp16.js';
import { mulberry32 } from '../../src/tensor/random.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { f32, int, op, program, str, v, values } from './build.js';

/**
 * The iOS18 compression ops on the cases of Apple's iOS18/test_compression.py:
 * constexpr_blockwise_shift_scale (scale · (data − offset) per block, block
 * size data.shape / scale.shape), constexpr_lut_to_sparse and
 * constexpr_sparse_blockwise_shift_scale (the dense op applied to a sparse
 * tensor, the values listed in row-major order of the mask, widened along
 * vector_axis for vector palettes), and the joint chains of TestJointCompressionOps.
 * As in the backend tests, each weight is added to an input x. The expected
 * values come from the tests' numpy formulas (np.repeat of scale and offset,
 * a gather from the palette of each group), written out below.
 */

const IOS18 = 'CoreML8';
const prod = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const toFp16 = (xs: readonly number[]) => Array.from(float16ArrayToFloat32(float32ArrayToFloat16(Float32Array.from(xs))));
const round = (dtype: DType, xs: readonly number[]) => (dtype === 'float16' ? toFp16(xs) : Array.from(Float32Array.from(xs)));

// ---- the tests' formulas ----------------------------------------------------

/** np.repeat(values, times, axis) for a row-major array of `shape`. */
function repeatAxis(values: readonly number[], shape: readonly number[], axis: number, times: number): number[] {
  const outer = prod(shape.slice(0, axis));
  const dim = shape[axis]!;
  const inner = prod(shape.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let d = 0; d < dim; d++) {
      const row = values.slice((o * dim + d) * inner, (o * dim + d + 1) * inner);
      for (let r = 0; r < times; r++) out.push(...row);
    }
  }
  return out;
}

/** Repeats per-block parameters along every axis until they have the data's shape. */
function repeatBlocks(values: readonly number[], shape: readonly number[], full: readonly number[]): number[] {
  let out = [...values];
  const current = [...shape];
  full.forEach((d, axis) => {
    const times = d / current[axis]!;
    if (times === 1) return;
    out = repeatAxis(out, current, axis, times);
    current[axis] = d;
  });
  return out;
}

/** constexpr_blockwise_shift_scale.decompress: scale · (data − offset), parameters repeated to data's shape. */
function shiftScale(data: readonly number[], shape: readonly number[], scale: readonly number[], scaleShape: readonly number[], offset?: readonly number[]): number[] {
  const s = repeatBlocks(scale, scaleShape, shape);
  const o = offset ? repeatBlocks(offset, scaleShape, shape) : undefined;
  return data.map((x, i) => s[i]! * (x - (o ? o[i]! : 0)));
}

/** lut_to_dense: each output element reads its group's palette at its index (element v of a vector palette along vector_axis). */
function lutToDense(indices: readonly number[], shape: readonly number[], lut: readonly number[], lutShape: readonly number[], vectorAxis?: number): number[] {
  const rank = shape.length;
  const [palettes, vector] = [lutShape[rank]!, lutShape[rank + 1]!];
  const outShape = shape.map((d, i) => (i === vectorAxis ? d * vector : d));
  const outStrides = outShape.map((_, i) => prod(outShape.slice(i + 1)));
  const groupSize = shape.map((d, i) => d / lutShape[i]!);
  const out: number[] = [];
  for (let flat = 0; flat < prod(outShape); flat++) {
    const coord = outStrides.map((stride, i) => Math.floor(flat / stride) % outShape[i]!);
    const element = vectorAxis === undefined ? 0 : coord[vectorAxis]! % vector;
    if (vectorAxis !== undefined) coord[vectorAxis] = Math.floor(coord[vectorAxis]! / vector);
    const index = indices[coord.reduce((acc, c, i) => acc * shape[i]! + c, 0)]!;
    const group = coord.reduce((acc, c, i) => acc * lutShape[i]! + Math.floor(c / groupSize[i]!), 0);
    out.push(lut[(group * palettes + index) * vector + element]!);
  }
  return out;
}

/** sparse_to_dense: zeros with the nonzero values at the mask's set positions, in row-major order. */
function densify(mask: readonly number[], nonzero: readonly number[]): number[] {
  let k = 0;
  return mask.map((m) => (m ? nonzero[k++]! : 0));
}
const keepMasked = (dense: readonly number[], mask: readonly number[]) => dense.filter((_, i) => mask[i]);

// ---- programs ---------------------------------------------------------------

const tensor = (dtype: DType, shape: number[], data: readonly number[]): Tensor => {
  if (dtype === 'float16') return makeTensor('float16', shape, float32ArrayToFloat16(Float32Array.from(data)));
  if (dtype === 'float32') return makeTensor('float32', shape, Float32Array.from(data));
  if (dtype === 'int8' || dtype === 'int4') return makeTensor(dtype, shape, Int8Array.from(data));
  return makeTensor(dtype, shape, Uint8Array.from(data));
};

/** y = x + weight, the weight made by `ops` (output `name`), cast to fp32 first when it is fp16. */
function addWeight(ops: MilOperation[], weight: MilTensorType, name = 'weight'): MilProgram {
  const shape = weight.shape as number[];
  const cast = weight.dtype === 'float16' ? [op('cast', { x: name, dtype: str('fp32') }, [v(`${name}32`, 'float32', shape)])] : [];
  return program([v('x', 'float32', shape)], [
    ...ops,
    ...cast,
    op('add', { x: 'x', y: cast.length ? `${name}32` : name }, [v('y', 'float32', shape)]),
  ], ['y'], IOS18);
}

/** constexpr_sparse_to_dense of the (out_mask, weight) pair a sparse-to-sparse op made. */
const toDense = (dtype: DType, shape: number[]) => op('constexpr_sparse_to_dense', { nonzero_data: 'weight', mask: 'out_mask' }, [v('dense', dtype, shape)]);

/** Validates the program, runs it on a seeded x and returns y − x, the weight as Core ML adds it. */
function weightOf(prog: MilProgram, seed = 7): number[] {
  expect(validateProgram(prog)).toEqual([]);
  const shape = prog.functions['main']!.inputs[0]!.type.shape as number[];
  const rand = mulberry32(seed);
  const x = Array.from({ length: prod(shape) }, () => Math.round(rand() * 8) / 4);
  const y = values(runProgram(prog, { x: f32(shape, x) })['y']!);
  return y.map((yi, i) => yi - x[i]!);
}

function expectClose(got: readonly number[], want: readonly number[], dtype: DType): void {
  expect(got.length).toBe(want.length);
  const tolerance = dtype === 'float16' ? 2e-3 : 1e-6;
  const bad = want.findIndex((w, i) => !(Math.abs(got[i]! - w) <= tolerance * Math.max(1, Math.abs(w))));
  expect(bad === -1 ? 'all close' : `element ${bad}: got ${got[bad]}, want ${want[bad]}`).toBe('all close');
}

const blockwise = (data: Tensor, scale: Tensor, offset?: Tensor, name = 'weight') =>
  op('constexpr_blockwise_shift_scale', offset ? { data, scale, offset } : { data, scale }, [v(name, scale.dtype, [...data.shape])]);

// ---- seeded operands of the stress tests --------------------------------------

const RANGE: Partial<Record<DType, [number, number]>> = { int4: [-8, 7], uint4: [0, 15], int8: [-128, 127], uint8: [0, 255] };
const STRESS_SHAPE = [4, 8, 16, 8];
const BLOCK_SIZES = [[0, 1, 1, 1], [0, 0, 0, 2], [0, 0, 0, 0], [1, 1, 1, 1], [0, 4, 2, 0], [4, 8, 16, 8]];
/** The tests' per-axis block sizes to a parameter shape: 0 means one block spanning the axis. */
const paramShape = (blocks: readonly number[]) => STRESS_SHAPE.map((d, i) => (blocks[i] === 0 ? 1 : d / blocks[i]!));

function draw(dtype: DType, n: number, rand: () => number): number[] {
  const range = RANGE[dtype];
  const raw = Array.from({ length: n }, () => (range ? range[0] + Math.floor(rand() * (range[1] - range[0] + 1)) : rand()));
  return range ? raw : round(dtype, raw);
}
const mask = (n: number, sparsity: number, rand: () => number) => Array.from({ length: n }, () => (rand() < sparsity ? 0 : 1));

describe('constexpr_blockwise_shift_scale as Apple\'s TestConstexprBlockwiseDequantize pins it', () => {
  const data = [4, 8, 10, 13, 24, 5, 6, 9];

  it('8-bit data, fp16 scale [1, 1, 2] and int8 offset: the output is fp16', () => {
    const prog = addWeight([blockwise(tensor('int8', [1, 2, 4], data), tensor('float16', [1, 1, 2], [4, 8]), tensor('int8', [1, 1, 2], [4, 0]))], { dtype: 'float16', shape: [1, 2, 4] });
    expectClose(weightOf(prog), toFp16(shiftScale(data, [1, 2, 4], [4, 8], [1, 1, 2], [4, 0])), 'float16');
  });

  it('4-bit data (int4, and the same values shifted into uint4) with the scale blocked along the last or the middle axis', () => {
    const signed = [4, 0, -8, 0, -6, 0, -3, 0];
    for (const scaleShape of [[1, 1, 2], [1, 2, 1]]) {
      const want = shiftScale(signed, [1, 2, 4], [4, 8], scaleShape, [4, 0]);
      for (const [dtype, shift] of [['int4', 0], ['uint4', 8]] as const) {
        const prog = addWeight([blockwise(tensor(dtype, [1, 2, 4], signed.map((q) => q + shift)), f32(scaleShape, [4, 8]), tensor(dtype, scaleShape, [4 + shift, shift]))], { dtype: 'float32', shape: [1, 2, 4] });
        expectClose(weightOf(prog), want, 'float32');
      }
    }
  });

  it('no offset, and a float offset for int4 data (the one offset whose dtype may differ from data)', () => {
    const signed = [4, 0, -8, 0, -6, 0, -3, 0];
    const noOffset = addWeight([blockwise(tensor('int4', [1, 2, 4], signed), f32([1, 1, 2], [4, 8]))], { dtype: 'float32', shape: [1, 2, 4] });
    expectClose(weightOf(noOffset), shiftScale(signed, [1, 2, 4], [4, 8], [1, 1, 2]), 'float32');
    const floatOffset = addWeight([blockwise(tensor('int4', [1, 2, 4], signed), f32([1, 1, 2], [4, 8]), f32([1, 1, 2], [0.5, -1.25]))], { dtype: 'float32', shape: [1, 2, 4] });
    expectClose(weightOf(floatOffset), shiftScale(signed, [1, 2, 4], [4, 8], [1, 1, 2], [0.5, -1.25]), 'float32');
  });

  it('the stress grid: int4, uint4, int8, uint8 and fp16 data of [4, 8, 16, 8] in every block layout, with and without offset', () => {
    const rand = mulberry32(18);
    for (const dtype of ['int4', 'uint4', 'int8', 'uint8', 'float16'] as const) {
      for (const blocks of BLOCK_SIZES) {
        for (const hasOffset of [true, false]) {
          const sShape = paramShape(blocks);
          const q = draw(dtype, prod(STRESS_SHAPE), rand);
          const scale = round('float32', draw('float32', prod(sShape), rand));
          const offset = hasOffset ? draw(dtype, prod(sShape), rand) : undefined;
          const prog = addWeight([blockwise(tensor(dtype, STRESS_SHAPE, q), f32(sShape, scale), offset && tensor(dtype, sShape, offset))], { dtype: 'float32', shape: STRESS_SHAPE });
          expectClose(weightOf(prog), shiftScale(q, STRESS_SHAPE, scale, sShape, offset), 'float32');
        }
      }
    }
  });

  it('refuses what the definition refuses: scalar data, rank or block mismatch, an offset unlike scale or data', () => {
    const problems = (data: Tensor, scale: Tensor, offset?: Tensor) =>
      validateProgram(program([], [blockwise(data, scale, offset, 'w')], ['w'], IOS18)).join('\n');
    expect(problems(tensor('int8', [], [10]), f32([], [2]))).toMatch(/data must have rank 1 or more/);
    expect(problems(tensor('int8', [2], [1, 2]), f32([1, 2], [1, 2]))).toMatch(/scale must have the rank of data/);
    expect(problems(tensor('int8', [1, 2], [1, 2]), f32([2, 1], [1, 2]))).toMatch(/data dim 0 \(1\) is not a multiple of scale dim 2/);
    expect(problems(tensor('int8', [2], [1, 2]), f32([2], [1, 2]), tensor('int8', [1, 2], [1, 2]))).toMatch(/offset must have the shape of scale/);
    expect(problems(tensor('int4', [2], [1, 2]), f32([2], [1, 2]), tensor('int8', [2], [1, 2]))).toMatch(/an int8 offset must have data's dtype int4/);
    expect(problems(tensor('int4', [2], [1, 2]), f32([2], [1, 2]), f32([2], [1, 2]))).toBe('');
  });
});

/** The mask and indices of Apple's lut_to_sparse cases: 9 of 24 positions set, 1-bit indices. */
const MASK_4x6 = [1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0];
const INDICES_9 = [0, 1, 1, 0, 1, 1, 0, 0, 1];

/** lut_to_sparse's formula: de-palettize the densified indices, widen the mask along vector_axis, keep what it sets. */
function lutToSparse(maskBits: readonly number[], shape: readonly number[], indices: readonly number[], lut: readonly number[], lutShape: readonly number[], vectorAxis?: number) {
  const dense = lutToDense(densify(maskBits, indices), shape, lut, lutShape, vectorAxis);
  const wideMask = vectorAxis === undefined ? [...maskBits] : repeatAxis(maskBits, shape, vectorAxis, lutShape[lutShape.length - 1]!);
  return { mask: wideMask, values: keepMasked(dense, wideMask) };
}

function lutToSparseOp(maskBits: readonly number[], shape: number[], indices: readonly number[], nbits: number, lut: Tensor, vectorAxis?: number): MilOperation {
  const vector = lut.shape[lut.shape.length - 1]!;
  const wide = shape.map((d, i) => (i === vectorAxis ? d * vector : d));
  const params: Record<string, Tensor> = { indices_mask: tensor('uint1', shape, maskBits), indices_nonzero_data: tensor(`uint${nbits}` as DType, [indices.length], indices), lut };
  if (vectorAxis !== undefined) params['vector_axis'] = int(vectorAxis);
  return op('constexpr_lut_to_sparse', params, [v('out_mask', 'uint1', wide), v('weight', lut.dtype, [indices.length * vector])]);
}

describe('constexpr_lut_to_sparse as Apple\'s TestConstexprLutToSparse pins it', () => {
  it('a scalar palette [2, 3] de-palettizes the nine nonzero indices in row-major order', () => {
    const lut = [2, 3];
    const prog = addWeight([lutToSparseOp(MASK_4x6, [4, 6], INDICES_9, 1, tensor('float16', [1, 1, 2, 1], lut))], { dtype: 'float16', shape: [9] });
    expectClose(weightOf(prog), lutToSparse(MASK_4x6, [4, 6], INDICES_9, lut, [1, 1, 2, 1]).values, 'float16');
  });

  it('a vector palette along axis 0 widens the mask to [8, 6] and lists 18 values in the order of the widened mask', () => {
    const lut = [2, 2, 3, 3];
    const want = lutToSparse(MASK_4x6, [4, 6], INDICES_9, lut, [1, 1, 2, 2], 0);
    const prog = addWeight([lutToSparseOp(MASK_4x6, [4, 6], INDICES_9, 1, f32([1, 1, 2, 2], lut), 0)], { dtype: 'float32', shape: [18] });
    expectClose(weightOf(prog), want.values, 'float32');
    // The widened mask, read back through sparse_to_dense, places the values where the formula does.
    const dense = addWeight([lutToSparseOp(MASK_4x6, [4, 6], INDICES_9, 1, f32([1, 1, 2, 2], [2, 2.5, 3, 3.5]), 0), toDense('float32', [8, 6])], { dtype: 'float32', shape: [8, 6] }, 'dense');
    const widened = lutToSparse(MASK_4x6, [4, 6], INDICES_9, [2, 2.5, 3, 3.5], [1, 1, 2, 2], 0);
    expectClose(weightOf(dense), densify(widened.mask, widened.values), 'float32');
  });

  it('the stress grid: 2- to 8-bit indices of [4, 8, 16, 8], per-group palettes, scalar and 4-vectors, sparse and dense masks', () => {
    const rand = mulberry32(11);
    for (const nbits of [2, 3, 4, 6, 8]) {
      for (const blocks of BLOCK_SIZES) {
        for (const [vector, sparsity, lutDType] of [[1, 0.5, 'float32'], [4, 0.01, 'float16'], [4, 0.99, 'float32']] as const) {
          const lutShape = [...paramShape(blocks), 2 ** nbits, vector];
          // A palette per element or per row at 3 bits and more makes luts of millions of entries: the grid keeps those at 2 bits.
          if (prod(lutShape) > 2 ** 16) continue;
          const bits = mask(prod(STRESS_SHAPE), sparsity, rand);
          const indices = Array.from({ length: bits.filter(Boolean).length }, () => Math.floor(rand() * 2 ** nbits));
          const lut = round(lutDType, draw('float32', prod(lutShape), rand));
          const axis = vector > 1 ? 0 : undefined;
          const want = lutToSparse(bits, STRESS_SHAPE, indices, lut, lutShape, axis).values;
          const prog = addWeight([lutToSparseOp(bits, STRESS_SHAPE, indices, nbits, tensor(lutDType, lutShape, lut), axis)], { dtype: lutDType, shape: [want.length] });
          expectClose(weightOf(prog), want, lutDType);
        }
      }
    }
  });

  it('refuses a mask that sets more positions than there are indices, and a vector palette without vector_axis', () => {
    const problems = (o: MilOperation) => validateProgram(program([], [o], ['weight'], IOS18)).join('\n');
    expect(problems(lutToSparseOp([1, 1, 1, 0, 1, 0], [2, 3], [0, 1, 0], 1, f32([1, 1, 2, 1], [2, 3])))).toMatch(/indices_mask sets 4 positions for 3 values/);
    expect(problems(lutToSparseOp([1, 1, 1, 0, 1, 0], [2, 3], [0, 1, 0, 1], 1, f32([1, 1, 2, 2], [2, 3, 2, 3])))).toMatch(/vector_axis is required when VECTOR_SIZE > 1/);
    expect(problems(lutToSparseOp([1, 1, 1, 0, 1, 0], [2, 3], [0, 1, 0, 1], 2, f32([1, 1, 2, 1], [2, 3])))).toMatch(/needs uint<log2 2> indices, got uint2/);
  });
});

function sparseShiftScaleOp(maskBits: readonly number[], shape: number[], data: Tensor, scale: Tensor, offset?: Tensor): MilOperation {
  const params: Record<string, Tensor> = { data_mask: tensor('uint1', shape, maskBits), nonzero_data: data, scale };
  if (offset) params['offset'] = offset;
  return op('constexpr_sparse_blockwise_shift_scale', params, [v('out_mask', 'uint1', shape), v('weight', scale.dtype, [...data.shape])]);
}

/** sparse_blockwise_shift_scale's formula: shift and scale the densified data, keep what the mask sets. */
const sparseShiftScale = (maskBits: readonly number[], shape: readonly number[], data: readonly number[], scale: readonly number[], scaleShape: readonly number[], offset?: readonly number[]) =>
  keepMasked(shiftScale(densify(maskBits, data), shape, scale, scaleShape, offset), maskBits);

describe('constexpr_sparse_blockwise_shift_scale as Apple\'s TestConstexprSparseBlockwiseShiftScale pins it', () => {
  const bits = [1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1];
  const data = [10, 11, 3, 4, 5, 6, 7, 8, 9, 2];
  const perChannel = { scale: [0.1, 0.2, 0.3, 0.4], shape: [1, 4], offset: [1, 2, 3, 4] };
  const perBlock = { scale: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], shape: [4, 2], offset: [1, 2, 3, 4, 5, 6, 7, 8] };

  it('per channel and per block of two, for uint4, int8, uint8 and fp32 data with an offset of the same dtype', () => {
    for (const dtype of ['uint4', 'int8', 'uint8', 'float32'] as const) {
      for (const p of [perChannel, perBlock]) {
        const prog = addWeight([sparseShiftScaleOp(bits, [4, 4], tensor(dtype, [10], data), f32(p.shape, p.scale), tensor(dtype, p.shape, p.offset))], { dtype: 'float32', shape: [10] });
        expectClose(weightOf(prog), sparseShiftScale(bits, [4, 4], data, round('float32', p.scale), p.shape, p.offset), 'float32');
      }
    }
  });

  it('without an offset', () => {
    const nine = bits.map((b, i) => (i === 15 ? 0 : b));
    const prog = addWeight([sparseShiftScaleOp(nine, [4, 4], tensor('int8', [9], data.slice(0, 9)), f32([1, 4], perChannel.scale))], { dtype: 'float32', shape: [9] });
    expectClose(weightOf(prog), sparseShiftScale(nine, [4, 4], data.slice(0, 9), round('float32', perChannel.scale), [1, 4]), 'float32');
  });

  it('the corner case from a conv weight: [2, 4, 2, 2] int8 data, one scale and offset per (output, input-pair) block, densified by sparse_to_dense', () => {
    const maskBits = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0];
    const q = [-8, -2, 7, -4, -7, -6, -5, 2, -6, 7, -5, 2, -8, -6, -7, -8, -5, -8, 6, 7, 6, -7, 7, 2, -8];
    const scale = round('float32', [0.01955, 0.02809, 0.02898, 0.02487]);
    const offset = [3, -1, -2, -3];
    const prog = addWeight([
      sparseShiftScaleOp(maskBits, [2, 4, 2, 2], tensor('int8', [25], q), f32([2, 2, 1, 1], scale), tensor('int8', [2, 2, 1, 1], offset)),
      toDense('float32', [2, 4, 2, 2]),
    ], { dtype: 'float32', shape: [2, 4, 2, 2] }, 'dense');
    expectClose(weightOf(prog), densify(maskBits, sparseShiftScale(maskBits, [2, 4, 2, 2], q, scale, [2, 2, 1, 1], offset)), 'float32');
  });

  it('the stress grid: int4, uint4, int8, uint8 and fp16 data of [4, 8, 16, 8], every block layout, with and without offset', () => {
    const rand = mulberry32(29);
    for (const dtype of ['int4', 'uint4', 'int8', 'uint8', 'float16'] as const) {
      for (const blocks of BLOCK_SIZES) {
        for (const [hasOffset, sparsity] of [[true, 0.5], [false, 0.01], [true, 0.99]] as const) {
          const maskBits = mask(prod(STRESS_SHAPE), sparsity, rand);
          const q = draw(dtype, maskBits.filter(Boolean).length, rand);
          const sShape = paramShape(blocks);
          const scale = round('float32', draw('float32', prod(sShape), rand));
          const offset = hasOffset ? draw(dtype, prod(sShape), rand) : undefined;
          const prog = addWeight([sparseShiftScaleOp(maskBits, STRESS_SHAPE, tensor(dtype, [q.length], q), f32(sShape, scale), offset && tensor(dtype, sShape, offset))], { dtype: 'float32', shape: [q.length] });
          expectClose(weightOf(prog), sparseShiftScale(maskBits, STRESS_SHAPE, q, scale, sShape, offset), 'float32');
        }
      }
    }
  });

  it('refuses a mask that sets more positions than there are values, and an offset unlike scale', () => {
    const problems = (o: MilOperation) => validateProgram(program([], [o], ['weight'], IOS18)).join('\n');
    const six = [1, 1, 1, 0, 1, 0];
    expect(problems(sparseShiftScaleOp(six, [2, 3], tensor('int8', [3], [0, 1, 0]), f32([1, 3], [0.1, 0.2, 0.3])))).toMatch(/data_mask sets 4 positions for 3 values/);
    expect(problems(sparseShiftScaleOp(six, [2, 3], tensor('int8', [4], [0, 1, 0, 1]), f32([1, 3], [0.1, 0.2, 0.3]), tensor('int8', [1, 4], [1, 2, 3, 4])))).toMatch(/offset must have the shape of scale/);
  });
});

describe('joint compression as Apple\'s TestJointCompressionOps chains it', () => {
  const JOINT_BLOCKS = [[0, 2, 0, 0], [2, 0, 0, 0], [4, 2, 0, 0]];

  /** The lut stored quantized: blockwise_shift_scale(q, scale 2, offset 3) named `lut`, of the lut dtype. */
  function quantizedLut(quantDType: DType, lutShape: number[], lutDType: DType, rand: () => number) {
    const q = draw(quantDType, prod(lutShape), rand);
    const ones = lutShape.map(() => 1);
    const scale = tensor(lutDType, ones, [2]);
    return { op: blockwise(tensor(quantDType, lutShape, q), scale, tensor(quantDType, ones, [3]), 'lut'), values: round(lutDType, shiftScale(q, lutShape, [2], ones, [3])) };
  }

  it('quant + lut: a quantized lut de-palettizes dense indices (int4, uint4, int8, uint8 entries; fp16 and fp32 luts; scalar and 4-vector palettes)', () => {
    const rand = mulberry32(41);
    for (const quantDType of ['int4', 'uint4', 'int8', 'uint8'] as const) {
      for (const blocks of JOINT_BLOCKS) {
        for (const [nbits, vector, lutDType] of [[2, 1, 'float32'], [4, 4, 'float16'], [3, 1, 'float16']] as const) {
          const lutShape = [...paramShape(blocks), 2 ** nbits, vector];
          const lut = quantizedLut(quantDType, lutShape, lutDType, rand);
          const indices = Array.from({ length: prod(STRESS_SHAPE) }, () => Math.floor(rand() * 2 ** nbits));
          const axis = vector > 1 ? 0 : undefined;
          const params: Record<string, string | Tensor> = { indices: tensor(`uint${nbits}` as DType, STRESS_SHAPE, indices), lut: 'lut' };
          if (axis !== undefined) params['vector_axis'] = int(axis);
          const outShape = STRESS_SHAPE.map((d, i) => (i === axis ? d * vector : d));
          const prog = addWeight([lut.op, op('constexpr_lut_to_dense', params, [v('weight', lutDType, outShape)])], { dtype: lutDType, shape: outShape });
          expectClose(weightOf(prog), lutToDense(indices, STRESS_SHAPE, lut.values, lutShape, axis), lutDType);
        }
      }
    }
  });

  it('quant + sparse + lut: the quantized lut de-palettizes sparse indices, and sparse_to_dense places them', () => {
    const rand = mulberry32(43);
    for (const quantDType of ['int4', 'uint8'] as const) {
      for (const blocks of JOINT_BLOCKS) {
        for (const [nbits, vector, sparsity, lutDType] of [[2, 1, 0.5, 'float32'], [4, 4, 0.99, 'float16'], [8, 1, 0.01, 'float32']] as const) {
          const lutShape = [...paramShape(blocks), 2 ** nbits, vector];
          const lut = quantizedLut(quantDType, lutShape, lutDType, rand);
          const bits = mask(prod(STRESS_SHAPE), sparsity, rand);
          const indices = Array.from({ length: bits.filter(Boolean).length }, () => Math.floor(rand() * 2 ** nbits));
          const axis = vector > 1 ? 0 : undefined;
          const sparse = lutToSparseOp(bits, STRESS_SHAPE, indices, nbits, tensor(lutDType, lutShape, lut.values), axis);
          sparse.inputs['lut'] = [{ kind: 'name', name: 'lut' }];
          const outShape = STRESS_SHAPE.map((d, i) => (i === axis ? d * vector : d));
          const prog = addWeight([lut.op, sparse, toDense(lutDType, outShape)], { dtype: lutDType, shape: outShape }, 'dense');
          const want = lutToSparse(bits, STRESS_SHAPE, indices, lut.values, lutShape, axis);
          expectClose(weightOf(prog), densify(want.mask, want.values), lutDType);
        }
      }
    }
  });
});
