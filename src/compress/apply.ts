import { packSubByte } from '../coreml/subbyte.js';
import { packedByteLength, type DType } from '../tensor/dtype.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../tensor/fp16.js';
import { elementCount, makeTensor, type Tensor } from '../tensor/tensor.js';
import { targetRank, type DeploymentTarget, type MilBlock, type MilOperation, type MilProgram } from '../mil/ir.js';
import { palettize, type PaletteBits } from './palettize.js';
import { pruneByMagnitude } from './prune.js';
import { quantizeBlockwise, quantizeLinear } from './quantize.js';

/**
 * Replaces large constant weights of a MIL program with constexpr ops that
 * Core ML expands at load time. Works in place; the op's output keeps its name
 * and type, so consumers are untouched.
 */

export type CompressionSpec =
  | { kind: 'linear'; dtype: 'int8' | 'uint8'; symmetric: boolean; perChannel: boolean }
  | { kind: 'blockwise'; dtype: 'int4' | 'int8'; blockSize: number }
  | { kind: 'palettize'; nbits: PaletteBits; channelGroupSize?: number }
  | { kind: 'prune'; sparsity: number };

export interface CompressOptions {
  target: DeploymentTarget;
  /** Weights with fewer elements stay as they are (default 2,048). */
  minElements?: number;
  /** Element type the decompressed weight must have (the program's compute precision). */
  outputDType: 'float16' | 'float32';
}

export interface CompressStats {
  /** Weights replaced by constexpr ops. */
  compressed: number;
  /** Float weights left alone because they are below the size threshold. */
  keptSmall: number;
  /** Bytes of the float weights before, and of the compressed payloads after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** Earliest deployment target whose opset has the constexpr op a spec needs. */
export function minimumTargetFor(spec: CompressionSpec): DeploymentTarget {
  if (spec.kind === 'blockwise') return 'iOS18';
  if (spec.kind === 'palettize' && spec.channelGroupSize) return 'iOS18';
  return 'iOS16';
}

export function compressProgram(program: MilProgram, spec: CompressionSpec, options: CompressOptions): CompressStats {
  if (targetRank(options.target) < targetRank(minimumTargetFor(spec))) {
    throw new RangeError(`${spec.kind} compression needs ${minimumTargetFor(spec)} or later, target is ${options.target}`);
  }
  const stats: CompressStats = { compressed: 0, keptSmall: 0, bytesBefore: 0, bytesAfter: 0 };
  for (const fn of Object.values(program.functions)) compressBlock(fn.block, spec, options, stats);
  return stats;
}

function compressBlock(block: MilBlock, spec: CompressionSpec, options: CompressOptions, stats: CompressStats): void {
  const minElements = options.minElements ?? 2048;
  block.operations = block.operations.map((op) => {
    for (const inner of op.blocks) compressBlock(inner, spec, options, stats);
    const val = op.type === 'const' ? op.attributes['val'] : undefined;
    if (!val || (val.dtype !== 'float32' && val.dtype !== 'float16')) return op;
    if (val.data.length < minElements) {
      stats.keptSmall++;
      return op;
    }
    const replacement = compressConst(op, val, spec, options);
    stats.compressed++;
    stats.bytesBefore += val.data.length * (val.dtype === 'float32' ? 4 : 2);
    stats.bytesAfter += payloadBytes(replacement);
    return replacement;
  });
}

function asFloat32(t: Tensor): Float32Array {
  return t.dtype === 'float16' ? float16ArrayToFloat32(t.data as Uint16Array) : (t.data as Float32Array);
}

/** A float tensor in the requested output dtype. */
function floatTensor(values: Float32Array, shape: number[], dtype: 'float16' | 'float32'): Tensor {
  return dtype === 'float16' ? makeTensor('float16', shape, float32ArrayToFloat16(values)) : makeTensor('float32', shape, values);
}

function compressConst(op: MilOperation, val: Tensor, spec: CompressionSpec, options: CompressOptions): MilOperation {
  const weights = asFloat32(val);
  const shape = [...val.shape];
  const output = { name: op.outputs[0]!.name, type: { dtype: options.outputDType as DType, shape } };
  const base = { name: op.name, outputs: [output], blocks: [] };
  const byIos18 = targetRank(options.target) >= targetRank('iOS18');
  switch (spec.kind) {
    case 'linear':
      return { ...base, type: 'constexpr_affine_dequantize', inputs: {}, attributes: affineParams(weights, shape, spec, options.outputDType) };
    case 'blockwise':
      return { ...base, type: 'constexpr_blockwise_shift_scale', inputs: inline(blockwiseParams(weights, shape, spec, options.outputDType)), attributes: {} };
    case 'palettize':
      return byIos18 || spec.channelGroupSize
        ? { ...base, type: 'constexpr_lut_to_dense', inputs: inline(lutParamsIos18(weights, shape, spec, options.outputDType)), attributes: {} }
        : { ...base, type: 'constexpr_lut_to_dense', inputs: {}, attributes: lutParamsIos16(weights, shape, spec.nbits, options.outputDType) };
    case 'prune':
      return { ...base, type: 'constexpr_sparse_to_dense', inputs: {}, attributes: sparseParams(weights, shape, spec.sparsity, options.outputDType) };
  }
}

/** iOS18 constexpr ops take their parameters as inline-bound inputs. */
function inline(params: Record<string, Tensor>): MilOperation['inputs'] {
  const out: MilOperation['inputs'] = {};
  for (const [k, v] of Object.entries(params)) out[k] = [{ kind: 'value', value: v }];
  return out;
}

function affineParams(weights: Float32Array, shape: number[], spec: Extract<CompressionSpec, { kind: 'linear' }>, dtype: 'float16' | 'float32'): Record<string, Tensor> {
  const q = quantizeLinear(weights, shape, spec);
  const vecShape = q.groups === 1 ? [] : [q.groups];
  return {
    quantized_data: spec.dtype === 'int8' ? makeTensor('int8', shape, q.data as Int8Array) : makeTensor('uint8', shape, q.data as Uint8Array),
    zero_point: spec.dtype === 'int8' ? makeTensor('int8', vecShape, q.zeroPoint as Int8Array) : makeTensor('uint8', vecShape, q.zeroPoint as Uint8Array),
    scale: floatTensor(q.scale, vecShape, dtype),
    axis: makeTensor('int32', [], new Int32Array([0])),
  };
}

function blockwiseParams(weights: Float32Array, shape: number[], spec: Extract<CompressionSpec, { kind: 'blockwise' }>, dtype: 'float16' | 'float32'): Record<string, Tensor> {
  const b = quantizeBlockwise(weights, shape, spec.dtype, spec.blockSize);
  return {
    data: makeTensor(spec.dtype, shape, b.data),
    scale: floatTensor(b.scale, b.scaleShape, dtype),
  };
}

function lutParamsIos16(weights: Float32Array, shape: number[], nbits: PaletteBits, dtype: 'float16' | 'float32'): Record<string, Tensor> {
  const p = palettize(weights, shape, { nbits });
  const packed = nbits === 8 ? p.indices : packSubByte(subByteIndexType(nbits), p.indices);
  return {
    indices: makeTensor('uint8', [packed.length], packed),
    lut: floatTensor(p.lut, [p.lut.length], dtype),
    shape: makeTensor('uint32', [shape.length], Uint32Array.from(shape)),
  };
}

function lutParamsIos18(weights: Float32Array, shape: number[], spec: Extract<CompressionSpec, { kind: 'palettize' }>, dtype: 'float16' | 'float32'): Record<string, Tensor> {
  const p = palettize(weights, shape, { nbits: spec.nbits, channelGroupSize: spec.channelGroupSize });
  const k = 2 ** spec.nbits;
  // LUT rank = indices rank + 2: groups along axis 0, every other axis shares the table.
  const lutShape = [p.groups, ...shape.slice(1).map(() => 1), k, 1];
  return {
    indices: makeTensor(spec.nbits === 8 ? 'uint8' : subByteIndexType(spec.nbits), shape, p.indices),
    lut: floatTensor(p.lut, lutShape, dtype),
  };
}

function subByteIndexType(nbits: PaletteBits): DType {
  const types: Record<PaletteBits, DType> = { 1: 'uint1', 2: 'uint2', 3: 'uint3', 4: 'uint4', 6: 'uint6', 8: 'uint8' };
  return types[nbits];
}

function sparseParams(weights: Float32Array, shape: number[], sparsity: number, dtype: 'float16' | 'float32'): Record<string, Tensor> {
  const p = pruneByMagnitude(weights, sparsity);
  const mask = packSubByte('uint1', p.mask);
  return {
    nonzero_data: floatTensor(p.nonzero, [p.nonzero.length], dtype),
    mask: makeTensor('uint8', [mask.length], mask),
    shape: makeTensor('uint32', [shape.length], Uint32Array.from(shape)),
  };
}

/** Bytes a constexpr op's parameters take on disk (sub-byte data counted packed). */
function payloadBytes(op: MilOperation): number {
  const tensors = [...Object.values(op.attributes), ...Object.values(op.inputs).flatMap((b) => b.map((x) => (x.kind === 'value' ? x.value : undefined)))];
  let bytes = 0;
  for (const t of tensors) {
    if (!t || t.dtype === 'string') continue;
    bytes += packedByteLength(t.dtype, elementCount(t.shape));
  }
  return bytes;
}
