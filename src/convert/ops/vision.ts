import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrBool, attrString, type OnnxNode } from '../../onnx/ir.js';
import { maxUnpoolShape } from '../../onnx/shapes/vision.js';
import { toNumberList } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { castTo } from './elementwise.js';
import { floatScalar, floatTensor, outputName, staticDims, typeOfInput } from './nn-util.js';
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

/**
 * Nearest mode: ONNX rounds a pixel position exactly halfway between two
 * pixels to the even one, Core ML's resample rounds it up. The grid is turned
 * into pixel positions here, rounded half to even with floor, and handed to
 * resample as whole unnormalized positions, which it reads without rounding.
 * The padding modes then act on the rounded index in both.
 */
function nearestPixelGrid(ctx: ConvertContext, node: OnnxNode, grid: string, xShape: readonly (number | null)[], align: boolean): string {
  const [h, w] = [xShape[2], xShape[3]];
  if (typeof h !== 'number' || typeof w !== 'number') ctx.unsupported(node, 'nearest mode needs a static height and width of X');
  const dtype = ctx.b.typeOf(grid).dtype;
  const b = ctx.b;
  const name = (what: string) => `${outputName(node)}_${what}`;
  // Pixel position p = g·a + c per axis (x then y, as the grid's last axis lists them).
  // align_corners: p = (g + 1)/2 · (n − 1); otherwise p = ((g + 1)·n − 1)/2. Both offsets are (n − 1)/2.
  const scale = (n: number) => (align ? (n - 1) / 2 : n / 2);
  const vec = (x: number, y: number) => floatTensor(dtype, [2], Float32Array.of(x, y));
  const p = b.op1('add', { x: b.op1('mul', { x: grid, y: vec(scale(w), scale(h)) }), y: vec((w - 1) / 2, (h - 1) / 2) }, { name: name('pixels') });
  const f = b.op1('floor', { x: p });
  const frac = b.op1('sub', { x: p, y: f });
  const half = floatScalar(0.5, dtype);
  const asFloat = (v: string) => castTo(ctx, v, dtype);
  const above = asFloat(b.op1('greater', { x: frac, y: half }));
  const tie = asFloat(b.op1('equal', { x: frac, y: half }));
  const odd = b.op1('sub', { x: f, y: b.op1('mul', { x: b.op1('floor', { x: b.op1('mul', { x: f, y: half }) }), y: floatScalar(2, dtype) }) });
  const up = b.op1('add', { x: above, y: b.op1('mul', { x: tie, y: odd }) });
  return b.op1('add', { x: f, y: up }, { name: name('nearest_pixels') });
}

const gridSample: OpConverter = {
  opsets: [16, LATEST_ONNX_OPSET],
  milOps: ['resample', 'mul', 'add', 'sub', 'floor', 'greater', 'equal', 'cast'],
  limits: '4-D X only; bicubic/cubic mode is not supported (MIL resample samples bilinear or nearest); nearest mode needs a static height and width',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    if (xt.shape.length !== 4) ctx.unsupported(node, `X of rank ${xt.shape.length}: MIL resample samples 2-D images only (rank 4)`);
    const mode = attrString(node, 'mode', ctx.opset >= 20 ? 'linear' : 'bilinear');
    const sampling = SAMPLING[mode];
    if (!sampling) ctx.unsupported(node, `mode "${mode}": MIL resample has only bilinear and nearest sampling`);
    const align = attrBool(node, 'align_corners', false);
    const padding = attrString(node, 'padding_mode', 'zeros');
    const milPadding = milPaddingMode(padding, align);
    if (!milPadding) return ctx.unsupported(node, `padding_mode "${padding}" is not an ONNX padding mode`);
    let grid = ctx.requireInput(node, 1);
    // iOS15's resample takes fp32 (or int32) coordinates only.
    if (targetRank(ctx.target) < targetRank('iOS16')) grid = castTo(ctx, grid, 'float32');
    const nearest = sampling === 'nearest';
    if (nearest) grid = nearestPixelGrid(ctx, node, grid, xt.shape, align);
    const y = ctx.b.op1(
      'resample',
      {
        x,
        coordinates: grid,
        sampling_mode: milConst.str(sampling),
        padding_mode: milConst.str(milPadding),
        padding_value: floatScalar(0, xt.dtype),
        coordinates_mode: milConst.str(nearest ? 'unnormalized' : 'normalized_minus_one_to_one'),
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
