import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtNumericValue, type RtValue } from '../value.js';

/**
 * depth_to_space, pixel_shuffle, space_to_depth (rank-4 [n, C, H, W] block
 * shuffles) and reverse_sequence, from the MIL op definitions:
 *  - depth_to_space (depth-column-row): out[n, c, h·b + i, w·b + j] = x[n, (i·b + j)·C' + c, h, w]
 *  - pixel_shuffle (PyTorch):           out[n, c, h·f + i, w·f + j] = x[n, c·f² + i·f + j, h, w]
 *  - space_to_depth:                    out[n, (i·b + j)·C + c, h, w] = x[n, c, h·b + i, w·b + j]
 */

type SourceChannel = (c: number, i: number, j: number, b: number, outC: number) => number;

const DEPTH_COLUMN_ROW: SourceChannel = (c, i, j, b, outC) => (i * b + j) * outC + c;
const COLUMN_ROW_DEPTH: SourceChannel = (c, i, j, b) => (c * b + i) * b + j;

function rank4(ctx: OpContext): [RtNumericValue, number, number, number, number] {
  const x = ctx.numeric('x');
  if (x.shape.length !== 4) ctx.fail(`x must have rank 4, got [${x.shape.join(',')}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return [x, n, c, h, w];
}

function toSpace(ctx: OpContext, factorParam: string, source: SourceChannel): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const b = ctx.num(factorParam);
  if (b < 1 || c % (b * b) !== 0) ctx.fail(`${factorParam} ${b} does not divide the ${c} channels into b² groups`);
  const outC = c / (b * b);
  const outH = h * b;
  const outW = w * b;
  const out = allocFor(x.dtype, x.data.length);
  let o = 0;
  for (let bn = 0; bn < n; bn++) {
    for (let oc = 0; oc < outC; oc++) {
      for (let oh = 0; oh < outH; oh++) {
        const i = oh % b;
        for (let ow = 0; ow < outW; ow++) {
          const src = source(oc, i, ow % b, b, outC);
          out[o++] = x.data[((bn * c + src) * h + Math.floor(oh / b)) * w + Math.floor(ow / b)]!;
        }
      }
    }
  }
  return [makeValue(x.dtype, [n, outC, outH, outW], out)];
}

function spaceToDepth(ctx: OpContext): RtValue[] {
  const [x, n, c, h, w] = rank4(ctx);
  const b = ctx.num('block_size');
  if (b < 1 || h % b !== 0 || w % b !== 0) ctx.fail(`block_size ${b} does not divide the spatial size ${h}×${w}`);
  const outH = h / b;
  const outW = w / b;
  const outC = c * b * b;
  const out = allocFor(x.dtype, x.data.length);
  let o = 0;
  for (let bn = 0; bn < n; bn++) {
    for (let oc = 0; oc < outC; oc++) {
      const src = oc % c;
      const block = Math.floor(oc / c);
      const i = Math.floor(block / b);
      const j = block % b;
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) out[o++] = x.data[((bn * c + src) * h + oh * b + i) * w + ow * b + j]!;
      }
    }
  }
  return [makeValue(x.dtype, [n, outC, outH, outW], out)];
}

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!;
  return out;
}

function reverseSequence(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const lengths = ctx.numeric('lengths');
  const rank = x.shape.length;
  const seqAxis = normAxis(ctx, ctx.num('seq_axis', 0), rank);
  const batchAxis = normAxis(ctx, ctx.num('batch_axis', 0), rank);
  if (seqAxis === batchAxis) ctx.fail('seq_axis and batch_axis must differ');
  const seqLen = x.shape[seqAxis]!;
  if (lengths.data.length !== x.shape[batchAxis]) ctx.fail(`lengths has ${lengths.data.length} entries for a batch of ${x.shape[batchAxis]}`);
  const st = strides(x.shape);
  const out = x.data.slice();
  for (let flat = 0; flat < x.data.length; flat++) {
    const t = Math.floor(flat / st[seqAxis]!) % seqLen;
    const batch = Math.floor(flat / st[batchAxis]!) % x.shape[batchAxis]!;
    const len = lengths.data[batch]!;
    if (len < 0 || len > seqLen) ctx.fail(`length ${len} is outside [0, ${seqLen}]`);
    if (t < len) out[flat] = x.data[flat + (len - 1 - 2 * t) * st[seqAxis]!]!;
  }
  return [{ dtype: x.dtype, shape: x.shape, data: out }];
}

function bandPart(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const lower = ctx.num('lower', -1);
  const upper = ctx.num('upper', -1);
  const r = x.shape.length;
  const rows = x.shape[r - 2]!;
  const cols = x.shape[r - 1]!;
  const out = allocFor(x.dtype, x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i % cols;
    const row = Math.floor(i / cols) % rows;
    const keep = (lower < 0 || row - c <= lower) && (upper < 0 || c - row <= upper);
    out[i] = keep ? x.data[i]! : 0;
  }
  return [makeValue(x.dtype, x.shape, out)];
}

export const spaceKernels: KernelTable = {
  depth_to_space: (ctx) => toSpace(ctx, 'block_size', DEPTH_COLUMN_ROW),
  pixel_shuffle: (ctx) => toSpace(ctx, 'upscale_factor', COLUMN_ROW_DEPTH),
  space_to_depth: spaceToDepth,
  reverse_sequence: reverseSequence,
  band_part: bandPart,
};
