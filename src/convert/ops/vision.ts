import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { maxUnpoolShape } from '../../onnx/shapes/vision.js';
import { toNumberList } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { castTo } from './elementwise.js';
import { floatScalar, outputName, staticDims, typeOfInput } from './nn-util.js';
import { roiAlign } from './roi-align.js';

/**
 * ONNX → MIL converters for image sampling ops. GridSample maps onto MIL
 * resample, which reads normalized (x, y) grids like ONNX and pads the image
 * by index: ONNX's coordinate reflection about the pixel centres
 * (align_corners = 1) is MIL's "reflection", and about the pixel edges
 * (align_corners = 0) it repeats the edge pixel, which is MIL's "symmetric".
 * MaxUnpool scatters X into a zero tensor at MaxPool's flat indices.
 */

/** ONNX GridSample modes (opset 16 names, then opset 20 names) → MIL sampling_mode. */
const SAMPLING: Readonly<Record<string, string>> = { bilinear: 'bilinear', linear: 'bilinear', nearest: 'nearest' };

function milPaddingMode(padding: string, alignCorners: boolean): string | undefined {
  if (padding === 'zeros') return 'constant';
  if (padding === 'border') return 'border';
  if (padding === 'reflection') return alignCorners ? 'reflection' : 'symmetric';
  return undefined;
}

const gridSample: OpConverter = {
  opsets: [16, LATEST_ONNX_OPSET],
  milOps: ['resample'],
  limits: '4-D X only; bicubic/cubic mode is not supported (MIL resample samples bilinear or nearest); nearest rounds ties to even',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    if (xt.shape.length !== 4) ctx.unsupported(node, `X of rank ${xt.shape.length}: MIL resample samples 2-D images only (rank 4)`);
    const mode = attrString(node, 'mode', ctx.opset >= 20 ? 'linear' : 'bilinear');
    const sampling = SAMPLING[mode];
    if (!sampling) ctx.unsupported(node, `mode "${mode}": MIL resample has only bilinear and nearest sampling`);
    const align = attrInt(node, 'align_corners', 0) === 1;
    const padding = attrString(node, 'padding_mode', 'zeros');
    const milPadding = milPaddingMode(padding, align);
    if (!milPadding) return ctx.unsupported(node, `padding_mode "${padding}" is not an ONNX padding mode`);
    let grid = ctx.requireInput(node, 1);
    // iOS15's resample takes fp32 (or int32) coordinates only.
    if (targetRank(ctx.target) < targetRank('iOS16')) grid = castTo(ctx, grid, 'float32');
    const y = ctx.b.op1(
      'resample',
      {
        x,
        coordinates: grid,
        sampling_mode: milConst.str(sampling),
        padding_mode: milConst.str(milPadding),
        padding_value: floatScalar(0, xt.dtype),
        coordinates_mode: milConst.str('normalized_minus_one_to_one'),
        align_corners: milConst.bool(align),
      },
      { name: outputName(node) },
    );
    ctx.setOutput(node, 0, y);
  },
};

/** The output shape as constant dims, or as a run-time int32 vector when output_shape is computed. */
function maxUnpoolOutputShape(node: OnnxNode, ctx: ConvertContext, xShape: readonly number[]): number[] | string {
  if (node.inputs[2] && !ctx.constant(node, 2)) return castTo(ctx, ctx.requireInput(node, 2), 'int32');
  const given = node.inputs[2] ? toNumberList(ctx.constant(node, 2)!) : undefined;
  try {
    return maxUnpoolShape(node, xShape, given);
  } catch (err) {
    return ctx.unsupported(node, (err as Error).message);
  }
}

const maxUnpool: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['reshape', 'fill', 'scatter', 'reduce_prod'],
  limits: 'X must have a static shape',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const dims = staticDims(xt);
    if (!dims) return ctx.unsupported(node, 'X must have a static shape');
    const outShape = maxUnpoolOutputShape(node, ctx, dims);
    const name = outputName(node);
    const total =
      typeof outShape === 'string'
        ? ctx.b.op1('reduce_prod', { x: outShape, axes: milConst.ints([0]), keep_dims: milConst.bool(true) }, { name: `${name}_size` })
        : milConst.ints([outShape.reduce((a, b) => a * b, 1)]);
    const flat = (v: string, hint: string) => ctx.b.op1('reshape', { x: v, shape: milConst.ints([-1]) }, { name: `${name}_${hint}` });
    const indices = flat(castTo(ctx, ctx.requireInput(node, 1), 'int32'), 'indices');
    const zeros = ctx.b.op1('fill', { shape: total, value: floatScalar(0, xt.dtype) }, { name: `${name}_zeros` });
    const scattered = ctx.b.op1(
      'scatter',
      { data: zeros, indices, updates: flat(x, 'values'), axis: milConst.int(0), mode: milConst.str('update') },
      { name: `${name}_scattered` },
    );
    const shape = typeof outShape === 'string' ? outShape : milConst.ints(outShape);
    ctx.setOutput(node, 0, ctx.b.op1('reshape', { x: scattered, shape }, { name }));
  },
};

export const visionConverters: ConverterTable = {
  GridSample: gridSample,
  MaxUnpool: maxUnpool,
  RoiAlign: roiAlign,
};
