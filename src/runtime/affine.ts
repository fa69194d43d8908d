/**
 * A per-channel multiply-add, batch_norm's arithmetic; kernels that produce
 * channels one at a time (the GEMM under conv) apply it as they store them.
 * batch_norm is one multiply-add per channel: x·scale + shift with scale =
 * γ/√(σ² + ε) and shift = β − μ·scale, in double precision, each result
 * rounded to float32 as it is stored (and before relu when one follows).
 */
export interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
  readonly relu: boolean;
}

/** o[from, to) = a[from, to)·scale + shift (then relu), each value rounded to float32 as batch_norm stores it. */
export function affineRun(a: Float32Array, from: number, to: number, o: Float32Array, oFrom: number, scale: number, shift: number, relu: boolean): void {
  if (!relu) {
    for (let i = from, j = oFrom; i < to; i++, j++) o[j] = a[i]! * scale + shift;
    return;
  }
  for (let i = from, j = oFrom; i < to; i++, j++) {
    const v = Math.fround(a[i]! * scale + shift);
    o[j] = v > 0 ? v : 0;
  }
}

