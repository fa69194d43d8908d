import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/tensor/random.js';
import { f32, runOp, str, values } from './build.js';

/**
 * einsum on the equations and shapes of Apple's iOS14/test_linear.py
 * (TestEinsum): "abcd,adce->abce" and "vnm,mno->vno", smoke and stress, with
 * a size-1 dim of either operand broadcast against the other as the test
 * broadcasts it. The expected values are np.einsum over the broadcast
 * operands, written out below as a sum over every letter.
 */

/** np.einsum of two operands whose size-1 dims broadcast to the other operand's size of that letter. */
function einsum(equation: string, a: readonly number[], aShape: readonly number[], b: readonly number[], bShape: readonly number[]) {
  const [inputs, output] = equation.split('->') as [string, string];
  const [la, lb] = inputs.split(',') as [string, string];
  const size = new Map<string, number>();
  [...la].forEach((l, i) => size.set(l, Math.max(size.get(l) ?? 1, aShape[i]!)));
  [...lb].forEach((l, i) => size.set(l, Math.max(size.get(l) ?? 1, bShape[i]!)));
  const letters = [...size.keys()];
  const read = (data: readonly number[], shape: readonly number[], labels: string, at: Map<string, number>) =>
    data[[...labels].reduce((flat, l, i) => flat * shape[i]! + (shape[i] === 1 ? 0 : at.get(l)!), 0)]!;
  const outShape = [...output].map((l) => size.get(l)!);
  const out = new Array<number>(outShape.reduce((p, d) => p * d, 1)).fill(0);
  const at = new Map<string, number>(letters.map((l) => [l, 0]));
  const total = letters.reduce((p, l) => p * size.get(l)!, 1);
  for (let k = 0; k < total; k++) {
    let rest = k;
    for (const l of [...letters].reverse()) {
      at.set(l, rest % size.get(l)!);
      rest = Math.floor(rest / size.get(l)!);
    }
    const o = [...output].reduce((flat, l, i) => flat * outShape[i]! + at.get(l)!, 0);
    out[o]! += read(a, aShape, la, at) * read(b, bShape, lb, at);
  }
  return { shape: outShape, values: out };
}

function check(equation: string, aShape: number[], bShape: number[], a: number[], b: number[]) {
  const want = einsum(equation, a, aShape, b, bShape);
  const [out] = runOp('einsum', { values: [f32(aShape, a), f32(bShape, b)], equation: str(equation) }, { dtype: 'float32', shape: want.shape });
  expect(out!.shape).toEqual(want.shape);
  const got = values(out!);
  want.values.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 3));
}

describe('einsum as Apple\'s TestEinsum pins it', () => {
  it('the smoke case: "abcd,adce->abce" of arange operands [2, 1, 3, 2] and [2, 2, 3, 4]', () => {
    const arange = (n: number) => Array.from({ length: n }, (_, i) => i);
    check('abcd,adce->abce', [2, 1, 3, 2], [2, 2, 3, 4], arange(12), arange(48));
  });

  it('the stress cases: rank 4 and rank 3 equations, with and without a broadcast size-1 dim', () => {
    const rand = mulberry32(14);
    const dim = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));
    const draw = (shape: number[]) => Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rand());
    for (const rank of [3, 4]) {
      for (const broadcast of [true, false]) {
        for (let trial = 0; trial < 3; trial++) {
          const x = Array.from({ length: rank }, () => dim(2, 9));
          const y = Array.from({ length: rank }, () => dim(2, 7));
          y[rank - 3] = x[rank - 1]!;
          y[rank - 2] = broadcast ? 1 : x[rank - 2]!;
          if (rank === 4) x[0] = broadcast ? 1 : y[0]!;
          check(rank === 4 ? 'abcd,adce->abce' : 'vnm,mno->vno', x, y, draw(x), draw(y));
        }
      }
    }
  });
});
