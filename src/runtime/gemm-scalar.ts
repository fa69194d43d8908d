/**
 * The pieces of the GEMM that need no WebAssembly: strided matrix views, the
 * strip packers both kernels read from, the scalar 4×4 fallback kernel, and
 * the dot-product form of a batch-1 fully connected layer. gemm.ts adds the
 * SIMD path and chooses between them.
 */

export interface MatrixView {
  readonly data: Float32Array;
  readonly offset: number;
  /** Distance between consecutive rows (elements). */
  readonly rowStride: number;
  /** Distance between consecutive columns (elements). */
  readonly colStride: number;
}

const MR = 4;
const NR = 4;
/** Depth of a K panel, shared with the SIMD path. */
export const KC = 256;
const MC = 64;

/** Scratch buffers reused across calls: packing never allocates in steady state. */
let packedA = new Float32Array(MC * KC);
let packedB = new Float32Array(0);
const edge = new Float32Array(MR * NR);

export function matrix(data: Float32Array, offset: number, rowStride: number, colStride = 1): MatrixView {
  return { data, offset, rowStride, colStride };
}

/**
 * Packs A rows [i0, i0+mc) × cols [k0, k0+kc) into strips of `width` rows at float
 * index `at`: within a strip, column k's `width` values lie together. The last
 * strip is zero-padded.
 */
export function packRowStrips(mem: Float32Array, at: number, a: MatrixView, i0: number, mc: number, k0: number, kc: number, width: number): void {
  const src = a.data;
  const rs = a.rowStride;
  const cs = a.colStride;
  let p = at;
  for (let i = 0; i < mc; i += width) {
    const rows = Math.min(width, mc - i);
    if (rows === 4 && width === 4) {
      // Full strips of the SIMD tile's height: four row cursors, no bounds test.
      let r0 = a.offset + (i0 + i) * rs + k0 * cs;
      for (let k = 0; k < kc; k++, r0 += cs, p += 4) {
        mem[p] = src[r0]!;
        mem[p + 1] = src[r0 + rs]!;
        mem[p + 2] = src[r0 + 2 * rs]!;
        mem[p + 3] = src[r0 + 3 * rs]!;
      }
      continue;
    }
    for (let k = 0; k < kc; k++) {
      const base = a.offset + (i0 + i) * rs + (k0 + k) * cs;
      for (let r = 0; r < width; r++) mem[p++] = r < rows ? src[base + r * rs]! : 0;
    }
  }
}

/**
 * Packs B rows [k0, k0+kc) × all n cols into strips of `width` columns at float
 * index `at`: within a strip, row k's `width` values lie together. The last strip
 * is zero-padded.
 */
export function packColumnStrips(mem: Float32Array, at: number, b: MatrixView, k0: number, kc: number, n: number, width: number): void {
  const src = b.data;
  const rs = b.rowStride;
  const cs = b.colStride;
  let p = at;
  for (let j = 0; j < n; j += width) {
    const cols = Math.min(width, n - j);
    for (let k = 0; k < kc; k++) {
      const base = b.offset + (k0 + k) * rs + j * cs;
      if (cols === width && cs === 1) {
        for (let c = 0; c < width; c++) mem[p + c] = src[base + c]!;
        p += width;
      } else {
        for (let c = 0; c < width; c++) mem[p++] = c < cols ? src[base + c * cs]! : 0;
      }
    }
  }
}

/**
 * Rows [k0, k0+kc) of B = Wᵀ (W row-major with rows `ldw` apart from
 * `offset`: column j of B is row j of W) into strips of `width` columns at
 * float index `at`, the layout packColumnStrips writes: the same floats at the
 * same places, but each row of W is read in one sequential run and written
 * `width` floats apart into its strip, where gathering `width` rows float by
 * float cost a transformer's first run over a second of packing. Columns past
 * n are zeroed.
 */
export function packTransposedStrips(
  mem: Float32Array, at: number, w: Float32Array, offset: number, ldw: number, k0: number, kc: number, n: number, width: number,
): void {
  const nPad = Math.ceil(n / width) * width;
  for (let j = 0; j < nPad; j++) {
    const lane = j % width;
    const to = at + (j - lane) * kc + lane;
    if (j >= n) {
      for (let i = 0; i < kc; i++) mem[to + i * width] = 0;
      continue;
    }
    const from = offset + j * ldw + k0;
    for (let i = 0; i < kc; i++) mem[to + i * width] = w[from + i]!;
  }
}

/** Copies rows [i0, i0+mc) × cols [k0, k0+kc) of A into the scalar kernel's 4-row strips. */
function packA(a: MatrixView, i0: number, mc: number, k0: number, kc: number): void {
  packRowStrips(packedA, 0, a, i0, mc, k0, kc, MR);
}

/** Copies rows [k0, k0+kc) × all n columns of B into the scalar kernel's 4-column strips. */
function packB(b: MatrixView, k0: number, kc: number, n: number): void {
  const need = Math.ceil(n / NR) * NR * kc;
  if (packedB.length < need) packedB = new Float32Array(need);
  packColumnStrips(packedB, 0, b, k0, kc, n, NR);
}

/** C[4×4 tile] (+)= packed A strip × packed B strip over kc. */
function microKernel(
  ap: Float32Array, aStart: number, bp: Float32Array, bStart: number, kc: number,
  c: Float32Array, cStart: number, ldc: number, rows: number, cols: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aStart;
  let bi = bStart;
  for (let k = 0; k < kc; k++) {
    const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!;
    const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  if (rows === MR && cols === NR) {
    const r0 = cStart, r1 = cStart + ldc, r2 = cStart + 2 * ldc, r3 = cStart + 3 * ldc;
    if (accumulate) {
      c[r0]! += c00; c[r0 + 1]! += c01; c[r0 + 2]! += c02; c[r0 + 3]! += c03;
      c[r1]! += c10; c[r1 + 1]! += c11; c[r1 + 2]! += c12; c[r1 + 3]! += c13;
      c[r2]! += c20; c[r2 + 1]! += c21; c[r2 + 2]! += c22; c[r2 + 3]! += c23;
      c[r3]! += c30; c[r3 + 1]! += c31; c[r3 + 2]! += c32; c[r3 + 3]! += c33;
    } else {
      c[r0] = c00; c[r0 + 1] = c01; c[r0 + 2] = c02; c[r0 + 3] = c03;
      c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
      c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
      c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
    }
    return;
  }
  edge[0] = c00; edge[1] = c01; edge[2] = c02; edge[3] = c03;
  edge[4] = c10; edge[5] = c11; edge[6] = c12; edge[7] = c13;
  edge[8] = c20; edge[9] = c21; edge[10] = c22; edge[11] = c23;
  edge[12] = c30; edge[13] = c31; edge[14] = c32; edge[15] = c33;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const idx = cStart + r * ldc + j;
      c[idx] = accumulate ? c[idx]! + edge[r * NR + j]! : edge[r * NR + j]!;
    }
  }
}

/** Scalar fallback with the same contract as `gemm`. */
export function gemmScalar(
  m: number, n: number, k: number, a: MatrixView, b: MatrixView,
  c: Float32Array, cOffset: number, ldc: number, accumulate = false,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    return;
  }
  const nStrips = Math.ceil(n / NR);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    packB(b, k0, kc, n);
    const add = accumulate || k0 > 0;
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      packA(a, i0, mc, k0, kc);
      const mStrips = Math.ceil(mc / MR);
      for (let js = 0; js < nStrips; js++) {
        const cols = Math.min(NR, n - js * NR);
        for (let is = 0; is < mStrips; is++) {
          const rows = Math.min(MR, mc - is * MR);
          const cStart = cOffset + (i0 + is * MR) * ldc + js * NR;
          microKernel(packedA, is * kc * MR, packedB, js * kc * NR, kc, c, cStart, ldc, rows, cols, add);
        }
      }
    }
  }
}

/**
 * out[r, j] = Σ_k x[r, k] · w[j, k] for a few rows of x: the shape of a
 * batch-1 fully connected layer, where both operands are read contiguously
 * and packing would cost as much as the product itself.
 */
export function rowTimesWeightT(
  rows: number, n: number, k: number, x: Float32Array, xOffset: number,
  w: Float32Array, out: Float32Array, outOffset: number,
): void {
  for (let r = 0; r < rows; r++) {
    const xo = xOffset + r * k;
    const oo = outOffset + r * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < k; i++) {
        const xv = x[xo + i]!;
        s0 += xv * w[w0 + i]!;
        s1 += xv * w[w1 + i]!;
        s2 += xv * w[w2 + i]!;
        s3 += xv * w[w3 + i]!;
      }
      out[oo + j] = s0;
      out[oo + j + 1] = s1;
      out[oo + j + 2] = s2;
      out[oo + j + 3] = s3;
    }
    for (; j < n; j++) {
      let s = 0;
      const wo = j * k;
      for (let i = 0; i < k; i++) s += x[xo + i]! * w[wo + i]!;
      out[oo + j] = s;
    }
  }
}
