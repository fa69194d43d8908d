import type { OpContext } from '../kernel.js';

/** NumPy broadcasting of any number of shapes; fails with the shapes in the message. */
export function broadcastShapes(ctx: OpContext, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const offset = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const cur = out[offset + i]!;
      if (d === cur || d === 1) continue;
      if (cur === 1) out[offset + i] = d;
      else ctx.fail(`shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast`);
    }
  }
  return out;
}

/**
 * For every element of `outShape`, the flat index of the element of a tensor
 * of shape `shape` that broadcasts onto it. Null when no mapping is needed.
 */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  let n = 1;
  for (const d of outShape) n *= d;
  let same = shape.length === outShape.length;
  for (let i = 0; same && i < shape.length; i++) same = shape[i] === outShape[i];
  if (same) return null;
  const rank = outShape.length;
  const offset = rank - shape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[offset + i] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  const index = new Int32Array(n);
  if (n === 0) return index;
  const last = rank - 1;
  const inner = rank > 0 ? outShape[last]! : 1;
  const innerStride = rank > 0 ? strides[last]! : 0;
  const counter = new Array<number>(rank).fill(0);
  let base = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) index[o + j] = base + j * innerStride;
    // Advance the odometer over all but the last dimension.
    for (let d = last - 1; d >= 0; d--) {
      counter[d]!++;
      base += strides[d]!;
      if (counter[d]! < outShape[d]!) break;
      base -= strides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return index;
}
