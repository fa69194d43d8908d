import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, type RtNumeric, type RtValue } from '../value.js';
import { permute, stridesFor } from './layout.js';
import { sliceMap } from './shape.js';

/** Block rearrangements (depth_to_space family), sliding_windows and slice_update. */

function withShape(x: RtValue, shape: readonly number[]): RtValue {
  return { dtype: x.dtype, shape: [...shape], data: x.data };
}

function rank4(ctx: OpContext): [RtValue, number, number, number, number] {
  const x = ctx.input('x');
  if (x.shape.length !== 4) ctx.fail(`x must be rank 4 [n, C, H, W], got [${x.shape.join(',')}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return [x, n, c, h, w];
}

/** Views x as `view`, permutes it by `perm`, and reads the result as `outShape`. */
function rearrange(x: RtValue, view: number[], perm: number[], outShape: number[]): RtValue[] {
  return [withShape(permute(withShape(x, view), perm), outShape)];
}

/** DCR order (TensorFlow / ONNX DepthToSpace default): channel index = (i·b + j)·C' + c. */
function depthToSpace(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const b = ctx.num('block_size');
  if (c % (b * b) !== 0) ctx.fail(`block_size ${b} squared must divide the ${c} channels`);
  const co = c / (b * b);
  return rearrange(x, [n, b, b, co, h, w], [0, 3, 4, 1, 5, 2], [n, co, h * b, w * b]);
}

function spaceToDepth(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const b = ctx.num('block_size');
  if (b < 1 || h % b !== 0 || w % b !== 0) ctx.fail(`block_size ${b} must divide H (${h}) and W (${w})`);
  return rearrange(x, [n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4], [n, c * b * b, h / b, w / b]);
}

/** CRD order (PyTorch PixelShuffle): channel index = c·f² + i·f + j. */
function pixelShuffle(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const f = ctx.num('upscale_factor');
  if (c % (f * f) !== 0) ctx.fail(`upscale_factor ${f} squared must divide the ${c} channels`);
  const co = c / (f * f);
  return rearrange(x, [n, co, f, f, h, w], [0, 1, 4, 2, 5, 3], [n, co, h * f, w * f]);
}

function pixelUnshuffle(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const f = ctx.num('downscale_factor');
  if (h % f !== 0 || w % f !== 0) ctx.fail(`downscale_factor ${f} must divide H (${h}) and W (${w})`);
  return rearrange(x, [n, c, h / f, f, w / f, f], [0, 1, 3, 5, 2, 4], [n, c * f * f, h / f, w / f]);
}

/** Windows of `size` elements every `stride` along an axis: [*d0, windows, size, *dn]. */
function slidingWindows(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const axis = normAxis(ctx, ctx.num('axis'), x.shape.length);
  const size = ctx.num('size');
  const stride = ctx.num('stride', 1);
  const dim = x.shape[axis]!;
  if (size > dim || size < 1 || stride < 1) ctx.fail(`window of ${size} every ${stride} does not fit an axis of ${dim}`);
  const windows = Math.floor((dim - size) / stride) + 1;
  const outer = elementCount(x.shape.slice(0, axis));
  const inner = elementCount(x.shape.slice(axis + 1));
  const shape = [...x.shape.slice(0, axis), windows, size, ...x.shape.slice(axis + 1)];
  const out: RtNumeric | string[] = x.dtype === 'string' ? new Array<string>(elementCount(shape)) : allocFor(x.dtype, elementCount(shape));
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let win = 0; win < windows; win++) {
      for (let s = 0; s < size; s++) {
        const src = (p * dim + win * stride + s) * inner;
        for (let j = 0; j < inner; j++) out[o++] = x.data[src + j]!;
      }
    }
  }
  return [{ dtype: x.dtype, shape, data: out }];
}

/** x with the slice selected like slice_by_index replaced by `update`. */
function sliceUpdate(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const update = ctx.numeric('update');
  const rank = x.shape.length;
  const begin = ctx.requiredInts('begin');
  const end = ctx.requiredInts('end');
  const stride = ctx.ints('stride') ?? new Array<number>(rank).fill(1);
  const mask = (name: string): boolean[] => (ctx.ints(name) ?? new Array<number>(rank).fill(0)).map((m) => m !== 0);
  const [beginMask, endMask, squeezeMask] = [mask('begin_mask'), mask('end_mask'), mask('squeeze_mask')];
  const maps = x.shape.map((dim, i) => {
    if (squeezeMask[i]) return Int32Array.of(begin[i]! < 0 ? begin[i]! + dim : begin[i]!);
    return sliceMap(dim, begin[i]!, end[i]!, stride[i]!, beginMask[i]!, endMask[i]!);
  });
  if (elementCount(maps.map((m) => m.length)) !== update.data.length) {
    ctx.fail(`update [${update.shape.join(',')}] does not match the selected slice [${maps.map((m) => m.length).join(',')}]`);
  }
  const out = x.data.slice();
  const strides = stridesFor(x.shape);
  const counter = new Array<number>(rank).fill(0);
  for (let u = 0; u < update.data.length; u++) {
    let dst = 0;
    for (let d = 0; d < rank; d++) dst += maps[d]![counter[d]!]! * strides[d]!;
    out[dst] = update.data[u]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d]! < maps[d]!.length) break;
      counter[d] = 0;
    }
  }
  return [{ dtype: x.dtype, shape: [...x.shape], data: out }];
}

export const rearrangeKernels: KernelTable = {
  depth_to_space: depthToSpace,
  space_to_depth: spaceToDepth,
  pixel_shuffle: pixelShuffle,
  pixel_unshuffle: pixelUnshuffle,
  sliding_windows: slidingWindows,
  slice_update: sliceUpdate,
};
