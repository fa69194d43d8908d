import { describe, expect, it } from 'vitest';
import { bool, f16, f32, i32, runOp, scalar, values } from './build.js';

const F32 = (shape: number[]) => ({ dtype: 'float32' as const, shape });

describe('element-wise binary ops', () => {
  it('add broadcasts a per-channel [1,2,1] tensor over [2,2,3]', () => {
    const x = f32([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const y = f32([1, 2, 1], [100, 200]);
    const [out] = runOp('add', { x, y }, F32([2, 2, 3]));
    expect(values(out!)).toEqual([100, 101, 102, 203, 204, 205, 106, 107, 108, 209, 210, 211]);
  });

  it('sub broadcasts both operands ([3,1] − [1,2] gives [3,2])', () => {
    const [out] = runOp('sub', { x: f32([3, 1], [1, 2, 3]), y: f32([1, 2], [10, 20]) }, F32([3, 2]));
    expect(values(out!)).toEqual([-9, -19, -8, -18, -7, -17]);
  });

  it('mul with a scalar operand on either side', () => {
    expect(values(runOp('mul', { x: f32([3], [1, 2, 3]), y: scalar(2) }, F32([3]))[0]!)).toEqual([2, 4, 6]);
    expect(values(runOp('mul', { x: scalar(-1), y: f32([2], [4, 5]) }, F32([2]))[0]!)).toEqual([-4, -5]);
  });

  it('every broadcast pattern matches an index-by-index reference, for the dedicated float32, dedicated and generic loops', () => {
    // Trailing bias, per-channel, both sides broadcast, middle dims, a [1]-dim output and a scalar on the left.
    const cases: [number[], number[]][] = [
      [[2, 3, 4], [4]], [[2, 3, 4], [1, 3, 1]], [[3, 1, 4], [1, 2, 1]], [[2, 1, 3, 1], [2, 5, 1, 4]], [[1], [2, 1]], [[], [2, 3]],
    ];
    const reference = (f: (a: number, b: number) => number, xs: number[], ys: number[], xv: number[], yv: number[]): number[] => {
      const rank = Math.max(xs.length, ys.length);
      const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
      const [px, py] = [pad(xs), pad(ys)];
      const out = px.map((d, i) => Math.max(d, py[i]!));
      const count = out.reduce((p, d) => p * d, 1);
      const flat = (shape: number[], idx: number[]) => idx.reduce((acc, v, i) => acc * shape[i]! + (shape[i] === 1 ? 0 : v), 0);
      return Array.from({ length: count }, (_, o) => {
        const idx: number[] = [];
        for (let d = rank - 1, r = o; d >= 0; d--) {
          idx.unshift(r % out[d]!);
          r = Math.floor(r / out[d]!);
        }
        return f(xv[flat(px, idx)]!, yv[flat(py, idx)]!);
      });
    };
    for (const [xs, ys] of cases) {
      const xv = Array.from({ length: xs.reduce((p, d) => p * d, 1) }, (_, i) => i + 1);
      const yv = Array.from({ length: ys.reduce((p, d) => p * d, 1) }, (_, i) => 10 * (i + 1));
      const outShape = [...new Array<number>(Math.max(xs.length, ys.length))].map((_, i, arr) => {
        const at = (s: number[]) => s[i - (arr.length - s.length)] ?? 1;
        return Math.max(at(xs), at(ys));
      });
      const ops = [
        ['add', (a: number, b: number) => a + b], ['sub', (a: number, b: number) => a - b],
        ['real_div', (a: number, b: number) => Math.fround(a / b)], ['maximum', Math.max],
      ] as const;
      for (const [op, f] of ops) {
        const [out] = runOp(op, { x: f32(xs, xv), y: f32(ys, yv) }, F32(outShape));
        expect(values(out!), `${op} [${xs.join(',')}] with [${ys.join(',')}]`).toEqual(reference(f, xs, ys, xv, yv));
      }
    }
  });

  it('floor_div and mod follow Python signs (mod takes the divisor sign)', () => {
    const x = f32([4], [7, -7, 7, -7]);
    const y = f32([4], [2, 2, -2, -2]);
    expect(values(runOp('floor_div', { x, y }, F32([4]))[0]!)).toEqual([3, -4, -4, 3]);
    expect(values(runOp('mod', { x, y }, F32([4]))[0]!)).toEqual([1, 1, -1, -1]);
  });

  it('real_div, pow, maximum and minimum compute element by element', () => {
    const x = f32([3], [1, 4, 9]);
    const y = f32([3], [2, 0.5, 2]);
    expect(values(runOp('real_div', { x, y }, F32([3]))[0]!)).toEqual([0.5, 8, 4.5]);
    expect(values(runOp('pow', { x, y }, F32([3]))[0]!)).toEqual([1, 2, 81]);
    expect(values(runOp('maximum', { x, y }, F32([3]))[0]!)).toEqual([2, 4, 9]);
    expect(values(runOp('minimum', { x, y }, F32([3]))[0]!)).toEqual([1, 0.5, 2]);
  });

  it('int32 arithmetic stays integer', () => {
    const [out] = runOp('add', { x: i32([2], [2147483647, 5]), y: i32([2], [1, -7]) }, { dtype: 'int32', shape: [2] });
    expect(out!.dtype).toBe('int32');
    expect(Array.from(out!.data as Int32Array)).toEqual([-2147483648, -2]);
  });

  it('comparisons return bool with broadcasting', () => {
    const x = f32([2, 2], [1, 2, 3, 4]);
    const y = f32([2], [2, 3]);
    const BOOL = { dtype: 'bool' as const, shape: [2, 2] };
    expect(values(runOp('less', { x, y }, BOOL)[0]!)).toEqual([1, 1, 0, 0]);
    expect(values(runOp('greater_equal', { x, y }, BOOL)[0]!)).toEqual([0, 0, 1, 1]);
    expect(values(runOp('equal', { x, y }, BOOL)[0]!)).toEqual([0, 0, 0, 0]);
    expect(values(runOp('not_equal', { x, y }, BOOL)[0]!)).toEqual([1, 1, 1, 1]);
  });

  it('logical ops combine bools', () => {
    const x = bool([4], [0, 0, 1, 1]);
    const y = bool([4], [0, 1, 0, 1]);
    const B = { dtype: 'bool' as const, shape: [4] };
    expect(values(runOp('logical_and', { x, y }, B)[0]!)).toEqual([0, 0, 0, 1]);
    expect(values(runOp('logical_or', { x, y }, B)[0]!)).toEqual([0, 1, 1, 1]);
    expect(values(runOp('logical_xor', { x, y }, B)[0]!)).toEqual([0, 1, 1, 0]);
    expect(values(runOp('logical_not', { x }, B)[0]!)).toEqual([1, 1, 0, 0]);
  });

  it('rejects shapes that do not broadcast, naming the op', () => {
    expect(() => runOp('add', { x: f32([2], [1, 2]), y: f32([3], [1, 2, 3]) }, F32([3]))).toThrow(/add 'out0'.*do not broadcast/);
  });

  it('an fp16 result is rounded to half precision', () => {
    const [out] = runOp('add', { x: f16([1], [1]), y: f16([1], [0.0001]) }, { dtype: 'float16', shape: [1] });
    // 1.0001 is not a half; the nearest half is 1.
    expect(values(out!)).toEqual([1]);
  });
});

describe('element-wise unary ops', () => {
  const x = f32([4], [0.25, 1, 4, 9]);
  it('rsqrt, log and inverse add their default epsilons', () => {
    const [r] = runOp('rsqrt', { x: f32([1], [0]) }, F32([1]));
    expect(values(r!)[0]).toBeCloseTo(1e6, -1);
    const [inv] = runOp('inverse', { x: f32([1], [0]) }, F32([1]));
    expect(values(inv!)[0]).toBeCloseTo(1e4, 0);
    const [l] = runOp('log', { x: f32([1], [1]) }, F32([1]));
    expect(values(l!)[0]).toBe(0);
  });

  it('an explicit epsilon of 0 gives the exact reciprocal', () => {
    const [inv] = runOp('inverse', { x, epsilon: scalar(0) }, F32([4]));
    expect(values(inv!)).toEqual([4, 1, 0.25, 1 / 9].map(Math.fround));
  });

  it('sqrt, exp2, square, sign, abs, floor, ceil', () => {
    expect(values(runOp('sqrt', { x }, F32([4]))[0]!)).toEqual([0.5, 1, 2, 3]);
    expect(values(runOp('exp2', { x: f32([2], [3, -1]) }, F32([2]))[0]!)).toEqual([8, 0.5]);
    expect(values(runOp('square', { x: f32([2], [-3, 2]) }, F32([2]))[0]!)).toEqual([9, 4]);
    expect(values(runOp('sign', { x: f32([3], [-3, 0, 2]) }, F32([3]))[0]!)).toEqual([-1, 0, 1]);
    expect(values(runOp('abs', { x: i32([2], [-3, 2]) }, { dtype: 'int32', shape: [2] })[0]!)).toEqual([3, 2]);
    expect(values(runOp('floor', { x: f32([2], [-1.5, 1.5]) }, F32([2]))[0]!)).toEqual([-2, 1]);
    expect(values(runOp('ceil', { x: f32([2], [-1.5, 1.5]) }, F32([2]))[0]!)).toEqual([-1, 2]);
  });

  it('round sends halves to the even neighbour', () => {
    expect(values(runOp('round', { x: f32([5], [0.5, 1.5, 2.5, -0.5, 2.6]) }, F32([5]))[0]!)).toEqual([0, 2, 2, -0, 3]);
  });

  it('erf matches tabulated values to 1e-6', () => {
    const got = values(runOp('erf', { x: f32([5], [-2, -0.5, 0, 0.3, 1]) }, F32([5]))[0]!);
    const want = [-0.995322265, -0.520499878, 0, 0.328626759, 0.842700793];
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-6));
  });

  it('erf near zero rounds to the same float32 as the term-by-term Maclaurin sum', () => {
    const termByTerm = (x: number): number => {
      const x2 = x * x;
      let term = x;
      let sum = x;
      for (let n = 1; n < 12; n++) {
        term *= -x2 / n;
        sum += term / (2 * n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    // Every 2039th float32 bit pattern from 2^-24 up to 0.5, both signs.
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    const xs: number[] = [];
    for (bits[0] = 0x33800000; asFloat[0]! < 0.5; bits[0] += 2039) xs.push(asFloat[0]!, -asFloat[0]!);
    const got = values(runOp('erf', { x: f32([xs.length], xs) }, F32([xs.length]))[0]!);
    const mismatches = xs.filter((x, i) => got[i] !== Math.fround(termByTerm(x)));
    expect(xs.length).toBeGreaterThan(100_000);
    expect(mismatches).toEqual([]);
  });

  it('trig and hyperbolic functions', () => {
    const t = f32([1], [0.5]);
    for (const [op, f] of [['sin', Math.sin], ['cos', Math.cos], ['tan', Math.tan], ['atan', Math.atan], ['sinh', Math.sinh], ['cosh', Math.cosh], ['tanh', Math.tanh], ['asin', Math.asin], ['acos', Math.acos], ['atanh', Math.atanh]] as const) {
      expect(values(runOp(op, { x: t }, F32([1]))[0]!)[0]).toBeCloseTo(f(0.5), 6);
    }
  });
});

describe('select', () => {
  it('picks from a or b by a broadcast condition', () => {
    const cond = bool([2, 1], [1, 0]);
    const a = f32([2, 2], [1, 2, 3, 4]);
    const b = f32([2], [-1, -2]);
    expect(values(runOp('select', { cond, a, b }, F32([2, 2]))[0]!)).toEqual([1, 2, -1, -2]);
  });

  it('exp raises e to each element', () => {
    const [out] = runOp('exp', { x: f32([3], [0, 1, -1]) }, F32([3]));
    expect(values(out!).map((v) => Number(v.toFixed(6)))).toEqual([1, Number(Math.E.toFixed(6)), Number((1 / Math.E).toFixed(6))]);
  });

  it('greater and less_equal compare element-wise with broadcasting, giving bool', () => {
    const x = f32([3], [1, 2, 3]);
    const y = scalar(2);
    expect(values(runOp('greater', { x, y }, { dtype: 'bool', shape: [3] })[0]!)).toEqual([0, 0, 1]);
    expect(values(runOp('less_equal', { x, y }, { dtype: 'bool', shape: [3] })[0]!)).toEqual([1, 1, 0]);
  });
});
