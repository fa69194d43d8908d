import { elementCount, stridesOf } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, type RtNumeric, type RtValue } from '../value.js';
import { permute } from './layout.js';
import { readSliceAttributes, sliceMap } from './shape.js';

/**
 * pixel_unshuffle, space_to_batch / batch_to_space, sliding_windows and
 * slice_update (depth_to_space, pixel_shuffle, space_to_depth and
 * reverse_sequence live in space.ts).
 */

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
  const { begin, end, stride, beginMask, endMask, squeezeMask } = readSliceAttributes(ctx, rank);
  const maps = x.shape.map((dim, i) => {
    if (squeezeMask[i]) return Int32Array.of(begin[i]! < 0 ? begin[i]! + dim : begin[i]!);
    return sliceMap(dim, begin[i]!, end[i]!, stride[i]!, beginMask[i]!, endMask[i]!);
  });
  if (elementCount(maps.map((m) => m.length)) !== update.data.length) {
    ctx.fail(`update [${update.shape.join(',')}] does not match the selected slice [${maps.map((m) => m.length).join(',')}]`);
  }
  const out = x.data.slice();
  const strides = stridesOf(x.shape);
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

/** Blocks of the (padded) spatial dims move into the batch: out[(i·bw + j)·N + n, c, h, w] = padded[n, c, h·bh + i, w·bw + j]. */
function spaceToBatch(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const [bh, bw] = ctx.requiredInts('block_shape') as [number, number];
  const [pt, pb, pl, pr] = ctx.requiredInts('paddings') as [number, number, number, number];
  const [oh, ow] = [(h + pt + pb) / bh, (w + pl + pr) / bw];
  if (!Number.isInteger(oh) || !Number.isInteger(ow)) ctx.fail(`padded spatial size ${h + pt + pb}×${w + pl + pr} is not divisible by the block ${bh}×${bw}`);
  const out = allocFor(x.dtype, n * bh * bw * c * oh * ow);
  let o = 0;
  for (let i = 0; i < bh; i++) for (let j = 0; j < bw; j++) for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < oh; y++) {
      const sy = y * bh + i - pt;
      for (let z = 0; z < ow; z++, o++) {
        const sz = z * bw + j - pl;
        if (sy >= 0 && sy < h && sz >= 0 && sz < w) out[o] = x.data[((b * c + ch) * h + sy) * w + sz] as number;
      }
    }
  }
  return [{ dtype: x.dtype, shape: [n * bh * bw, c, oh, ow], data: out }];
}

/** The inverse of space_to_batch, cropping the result. */
function batchToSpace(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const [bh, bw] = ctx.requiredInts('block_shape') as [number, number];
  const [ct, cb, cl, cr] = ctx.requiredInts('crops') as [number, number, number, number];
  if (n % (bh * bw) !== 0) ctx.fail(`batch ${n} is not divisible by the block ${bh}×${bw}`);
  const batch = n / (bh * bw);
  const [oh, ow] = [h * bh - ct - cb, w * bw - cl - cr];
  const out = allocFor(x.dtype, batch * c * oh * ow);
  let o = 0;
  for (let b = 0; b < batch; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < oh; y++) {
    const py = y + ct;
    for (let z = 0; z < ow; z++, o++) {
      const pz = z + cl;
      const src = ((py % bh) * bw + (pz % bw)) * batch + b;
      out[o] = x.data[((src * c + ch) * h + Math.floor(py / bh)) * w + Math.floor(pz / bw)] as number;
    }
  }
  return [{ dtype: x.dtype, shape: [batch, c, oh, ow], data: out }];
}

export const rearrangeKernels: KernelTable = {
  space_to_batch: spaceToBatch,
  batch_to_space: batchToSpace,
  pixel_unshuffle: pixelUnshuffle,
  sliding_windows: slidingWindows,
  slice_update: sliceUpdate,
};
