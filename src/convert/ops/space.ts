import { milConst } from '../../mil/builder.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { normalizeAxis } from '../../onnx/shapes/params.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';

/**
 * ONNX → MIL converters that move elements between positions: DepthToSpace
 * (DCR → depth_to_space, CRD → pixel_shuffle), SpaceToDepth,
 * ReverseSequence and Trilu (band_part when the diagonal offset fits it,
 * otherwise a select against a static row/column mask).
 */

function floatRank4(node: OnnxNode, ctx: ConvertContext): string {
  const x = ctx.requireInput(node, 0);
  const t = ctx.b.typeOf(x);
  if (t.shape.length !== 4) return ctx.unsupported(node, `Core ML moves blocks of rank-4 tensors only (got rank ${t.shape.length})`);
  if (t.dtype !== 'float32' && t.dtype !== 'float16') return ctx.unsupported(node, `Core ML moves blocks of fp16/fp32 tensors only (got ${t.dtype})`);
  return x;
}

function blockSize(node: OnnxNode, ctx: ConvertContext): number {
  const b = attrInt(node, 'blocksize');
  if (b === undefined || b < 1) return ctx.unsupported(node, 'blocksize must be a positive integer');
  return b;
}

const depthToSpace: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['depth_to_space', 'pixel_shuffle'],
  limits: 'rank-4 fp16/fp32 input',
  convert(node, ctx) {
    const x = floatRank4(node, ctx);
    const b = blockSize(node, ctx);
    const mode = ctx.opset >= 11 ? attrString(node, 'mode', 'DCR') : 'DCR';
    if (mode !== 'DCR' && mode !== 'CRD') return ctx.unsupported(node, `mode "${mode}" is not DCR or CRD`);
    const out = mode === 'DCR'
      ? ctx.b.op1('depth_to_space', { x, block_size: milConst.int(b) }, { name: node.outputs[0] })
      : ctx.b.op1('pixel_shuffle', { x, upscale_factor: milConst.int(b) }, { name: node.outputs[0] });
    ctx.setOutput(node, 0, out);
  },
};

const spaceToDepth: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['space_to_depth'],
  limits: 'rank-4 fp16/fp32 input',
  convert(node, ctx) {
    const x = floatRank4(node, ctx);
    ctx.setOutput(node, 0, ctx.b.op1('space_to_depth', { x, block_size: milConst.int(blockSize(node, ctx)) }, { name: node.outputs[0] }));
  },
};

const reverseSequence: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['reverse_sequence'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const rank = ctx.b.typeOf(x).shape.length;
    const batchAxis = normalizeAxis(node, attrInt(node, 'batch_axis', 1), rank);
    const timeAxis = normalizeAxis(node, attrInt(node, 'time_axis', 0), rank);
    if (batchAxis === timeAxis) return ctx.unsupported(node, 'batch_axis and time_axis must differ');
    const args = { x, lengths: ctx.requireInput(node, 1), seq_axis: milConst.int(timeAxis), batch_axis: milConst.int(batchAxis) };
    ctx.setOutput(node, 0, ctx.b.op1('reverse_sequence', args, { name: node.outputs[0] }));
  },
};

/** Trilu keeps (col − row) ≥ k for upper, ≤ k for lower. */
function keepsBand(upper: boolean, k: number): { lower: number; upper: number } | undefined {
  if (upper) return k <= 0 ? { lower: -k, upper: -1 } : undefined;
  return k >= 0 ? { lower: -1, upper: k } : undefined;
}

/** col − row for every position of the last two dims. */
function diagonalOffsets(rows: number, cols: number): Tensor {
  const out = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = c - r;
  return makeTensor('int32', [rows, cols], out);
}

function zeroLike(dtype: string): Tensor {
  if (dtype === 'bool') return milConst.bool(false);
  if (dtype === 'int32') return milConst.int(0);
  return milConst.float(0, dtype === 'float16' ? 'float16' : 'float32');
}

const trilu: OpConverter = {
  opsets: [14, LATEST_ONNX_OPSET],
  milOps: ['band_part', 'greater_equal', 'less_equal', 'select'],
  limits: 'a diagonal offset band_part cannot express, or given at run time, needs static matrix dims',
  convert(node, ctx) {
    const b = ctx.b;
    const x = ctx.requireInput(node, 0);
    const t = b.typeOf(x);
    const upper = attrInt(node, 'upper', 1) !== 0;
    const kConst = node.inputs[1] ? ctx.constant(node, 1) : makeTensor('int32', [], new Int32Array([0]));
    const k = kConst ? toNumberList(kConst)[0]! : undefined;
    const band = k === undefined ? undefined : keepsBand(upper, k);
    if (band) return ctx.setOutput(node, 0, b.op1('band_part', { x, lower: milConst.int(band.lower), upper: milConst.int(band.upper) }, { name: node.outputs[0] }));
    const [rows, cols] = t.shape.slice(-2);
    if (typeof rows !== 'number' || typeof cols !== 'number') return ctx.unsupported(node, 'the matrix dims must be static for this diagonal offset');
    if (rows === 0 || cols === 0) return ctx.unsupported(node, 'an empty matrix (Core ML has no empty tensors)');
    const name = node.outputs[0]!;
    const offsets = b.const(diagonalOffsets(rows, cols), `${name}_offsets`);
    const kValue = k === undefined ? ctx.requireInput(node, 1) : milConst.int(Math.max(Math.min(k, 2 ** 31 - 1), -(2 ** 31)));
    const keep = b.op1(upper ? 'greater_equal' : 'less_equal', { x: offsets, y: kValue }, { name: `${name}_keep` });
    ctx.setOutput(node, 0, b.op1('select', { cond: keep, a: x, b: zeroLike(t.dtype) }, { name }));
  },
};

export const spaceConverters: ConverterTable = {
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  ReverseSequence: reverseSequence,
  Trilu: trilu,
};
