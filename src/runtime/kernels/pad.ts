import type { KernelTable, OpContext } from '../kernel.js';
import type { RtValue } from '../value.js';
import { gatherByDimMaps, iota } from './layout.js';

/** pad: constant, reflect, replicate and symmetric padding of the trailing dims. */

/** Source index for each padded position, per mode; −1 marks a constant-filled position. */
const PAD_SOURCE: Record<string, (i: number, dim: number) => number> = {
  constant: (i, dim) => (i >= 0 && i < dim ? i : -1),
  reflect: (i, dim) => {
    if (dim === 1) return 0;
    const period = 2 * (dim - 1);
    const m = ((i % period) + period) % period;
    return m < dim ? m : period - m;
  },
  replicate: (i, dim) => Math.min(Math.max(i, 0), dim - 1),
};

function pad(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const pads = ctx.requiredInts('pad');
  const mode = ctx.str('mode', 'constant');
  const source = PAD_SOURCE[mode];
  if (!source) ctx.fail(`unknown pad mode '${mode}' (expected ${Object.keys(PAD_SOURCE).join(', ')})`);
  const padded = pads.length / 2;
  if (!Number.isInteger(padded) || padded > x.shape.length) ctx.fail(`pad has ${pads.length} values for rank ${x.shape.length}`);
  const first = x.shape.length - padded;
  const maps = x.shape.map((dim, i) => {
    if (i < first) return iota(dim);
    const before = pads[2 * (i - first)]!;
    const after = pads[2 * (i - first) + 1]!;
    if (mode === 'reflect' && (before > dim - 1 || after > dim - 1)) ctx.fail(`reflect padding of dim ${i} must be at most ${dim - 1}`);
    return iota(dim + before + after).map((k) => source(k - before, dim));
  });
  return [{ dtype: x.dtype, shape: maps.map((m) => m.length), data: gatherByDimMaps(x, maps, ctx.num('constant_val', 0)) }];
}

export const padKernels: KernelTable = { pad };
