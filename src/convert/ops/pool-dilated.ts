import { milConst } from '../../mil/builder.js';
import { attrInt, type OnnxNode } from '../../onnx/ir.js';
import { effectiveKernelSize, resolvePads, type OnnxWindow } from '../../onnx/shapes/window.js';
import { makeTensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';
import { floatScalar, onnxPadsToMil, outputName, typeOfInput } from './nn-util.js';

/** Most kernel taps a dilated max pool is spelled out with (one strided slice each). */
const MAX_TAPS = 64;

/**
 * MaxPool with dilations, which Core ML pooling lacks: the maximum over the
 * kernel's taps, each tap a strided slice of x padded with −∞. Exact (max of
 * the same elements); needs static spatial dims and ceil_mode = 0.
 */
export function dilatedMaxPool(node: OnnxNode, ctx: ConvertContext, x: string, win: OnnxWindow): string {
  const xt = typeOfInput(ctx, x);
  const inDims = xt.shape.slice(2);
  if (inDims.some((d) => d === null)) return ctx.unsupported(node, 'dilated pooling needs static spatial dims');
  if (attrInt(node, 'ceil_mode', 0) === 1) return ctx.unsupported(node, 'dilated pooling with ceil_mode is not supported');
  const taps = win.kernel.reduce((a, k) => a * k, 1);
  if (taps > MAX_TAPS) return ctx.unsupported(node, `a dilated kernel of ${taps} taps (at most ${MAX_TAPS} are spelled out)`);
  const n = win.kernel.length;
  const dims = inDims as number[];
  const pads = resolvePads(win, dims);
  const outDims = dims.map((d, a) => Math.floor((d + pads[a]! + pads[a + n]! - effectiveKernelSize(win.kernel[a]!, win.dilations[a]!)) / win.strides[a]!) + 1);
  if (outDims.some((d) => d < 1)) return ctx.unsupported(node, 'the dilated kernel is larger than the padded input');
  const name = outputName(node);
  const b = ctx.b;
  const padded = pads.some((p) => p !== 0)
    ? b.op1('pad', { x, pad: milConst.ints(onnxPadsToMil(pads)), mode: milConst.str('constant'), constant_val: floatScalar(-Infinity, xt.dtype) }, { name: `${name}_padded` })
    : x;
  const lead = [true, true];
  const masks = { begin_mask: boolList([...lead, ...dims.map(() => false)]), end_mask: boolList([...lead, ...dims.map(() => false)]) };
  let result: string | undefined;
  for (const offset of kernelOffsets(win.kernel)) {
    const begin = offset.map((o, a) => o * win.dilations[a]!);
    const end = begin.map((s, a) => s + (outDims[a]! - 1) * win.strides[a]! + 1);
    const tap = b.op1('slice_by_index', {
      x: padded, begin: milConst.ints([0, 0, ...begin]), end: milConst.ints([0, 0, ...end]), stride: milConst.ints([1, 1, ...win.strides]), ...masks,
    });
    result = result === undefined ? tap : b.op1('maximum', { x: result, y: tap });
  }
  return b.op1('identity', { x: result! }, { name });
}

function boolList(values: boolean[]) {
  return makeTensor('bool', [values.length], Uint8Array.from(values, (v) => (v ? 1 : 0)));
}

/** Every index tuple of the kernel, row-major. */
function kernelOffsets(kernel: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const k of kernel) out = out.flatMap((prefix) => Array.from({ length: k }, (_, i) => [...prefix, i]));
  return out;
}
