import { milConst } from '../../mil/builder.js';
import type { OnnxNode } from '../../onnx/ir.js';
import { makeTensor, toNumberList } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import type { ConvertContext } from '../types.js';
import { castTo } from './elementwise.js';
import { outputName, staticDims, typeOfInput } from './nn-util.js';

/**
 * Edge and reflect padding as gathers, for what MIL pad cannot take: integer tensors
 * (MIL pads floats only) and pads known only at run time outside constant mode. Along
 * each padded axis, output index i reads input index j = i − begin, clamped to the
 * edge (edge) or mirrored about the end elements (reflect: (n−1) − |(n−1) − |j||).
 * Needs static input and output shapes; the output's comes from shape inference or
 * the model's declaration when the pads arrive at run time.
 */

type Mirror = (ctx: ConvertContext, j: string, n: number, name: string) => string;

const SOURCE_INDEX: Readonly<Record<string, Mirror>> = {
  edge: (ctx, j, n, name) => ctx.b.op1('clip', { x: j, alpha: milConst.float(0), beta: milConst.float(n - 1) }, { name }),
  reflect: (ctx, j, n, name) => {
    const inner = ctx.b.op1('sub', { x: milConst.float(n - 1), y: ctx.b.op1('abs', { x: j }, { name: `${name}_abs` }) }, { name: `${name}_from_end` });
    return ctx.b.op1('sub', { x: milConst.float(n - 1), y: ctx.b.op1('abs', { x: inner }, { name: `${name}_fold` }) }, { name });
  },
};

/** The begin pad of `axis` as a constant, or as a [1] fp32 value sliced from the run-time pads. */
function beginPad(node: OnnxNode, ctx: ConvertContext, axis: number): number | string {
  const constant = ctx.constant(node, 1);
  if (constant) return toNumberList(narrowConstant(constant, node.inputs[1]!))[axis]!;
  const pads = castTo(ctx, castTo(ctx, ctx.requireInput(node, 1), 'int32'), 'float32');
  return ctx.b.op1('slice_by_index', { x: pads, begin: milConst.ints([axis]), end: milConst.ints([axis + 1]) }, { name: `${outputName(node)}_begin${axis}` });
}

/** Undefined when this path cannot pad the node (mode, or shapes not static). */
export function gatherPad(node: OnnxNode, ctx: ConvertContext, x: string, mode: string): string | undefined {
  const mirror = SOURCE_INDEX[mode];
  const inDims = staticDims(typeOfInput(ctx, x));
  const outShape = ctx.info(node.outputs[0]!)?.shape;
  if (!mirror || !inDims || !outShape || outShape.length !== inDims.length || !outShape.every((d): d is number => typeof d === 'number')) return undefined;
  if (ctx.opset >= 18 && node.inputs[3]) return undefined;
  const name = outputName(node);
  const axes = inDims.map((_, a) => a).filter((a) => outShape[a] !== inDims[a]);
  if (axes.length === 0) return ctx.b.op1('identity', { x }, { name });
  return axes.reduce((value, axis, k) => {
    const n = inDims[axis]!;
    const step = `${name}_axis${axis}`;
    const positions = ctx.b.const(makeTensor('float32', [outShape[axis]!], Float32Array.from({ length: outShape[axis]! }, (_, i) => i)), `${step}_positions`);
    const begin = beginPad(node, ctx, axis);
    const j = ctx.b.op1('sub', { x: positions, y: typeof begin === 'number' ? milConst.float(begin) : begin }, { name: `${step}_shifted` });
    const indices = castTo(ctx, mirror(ctx, j, n, `${step}_source`), 'int32', `${step}_indices`);
    return ctx.b.op1('gather', { x: value, indices, axis: milConst.int(axis) }, { name: k === axes.length - 1 ? name : step });
  }, x);
}
