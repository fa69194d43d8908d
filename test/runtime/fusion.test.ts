import { describe, expect, it } from 'vitest';
import type { MilProgram } from '../../src/mil/ir.js';
import { addReluPairs, convNormChains, erfGeluChains, linearAddPairs, normReluChains } from '../../src/runtime/fusion.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f32, int, op, program, scalar, str, v } from './build.js';

/** Deterministic values in [-1, 1) that differ with the seed. */
function noise(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const C_IN = 3;
const C_OUT = 4;
const SIZE = 40; // 4 × 40 × 40 values: large enough for the run's buffer pool to own them

/** conv → batch_norm → relu with the statistics declared as consts between the ops, as converted models have them. */
function convNormRelu(seed: number, outputs: string[] = ['y']): MilProgram {
  const shape = [1, C_OUT, SIZE, SIZE];
  const stat = (name: string, k: number, offset: number) =>
    op('const', {}, [v(name, 'float32', [C_OUT])], { val: f32([C_OUT], noise(C_OUT, seed + k).map((x) => x + offset)) });
  return program([v('x', 'float32', [1, C_IN, SIZE, SIZE])], [
    op('const', {}, [v('w', 'float32', [C_OUT, C_IN, 3, 3])], { val: f32([C_OUT, C_IN, 3, 3], noise(C_OUT * C_IN * 9, seed)) }),
    op('conv', { x: 'x', weight: 'w', pad_type: str('same') }, [v('c', 'float32', shape)]),
    stat('mean', 1, 0), stat('variance', 2, 1.5), stat('gamma', 3, 0), stat('beta', 4, 0),
    op('batch_norm', { x: 'c', mean: 'mean', variance: 'variance', gamma: 'gamma', beta: 'beta', epsilon: scalar(1e-3) }, [v('n', 'float32', shape)]),
    op('const', {}, [v('unrelated', 'float32', [])], { val: scalar(7) }),
    op('relu', { x: 'n' }, [v('y', 'float32', shape)]),
  ], outputs);
}

function run(prog: MilProgram, x: Tensor, inPlace: boolean): Record<string, Tensor> {
  // An observer sees each op's own result, which turns in-place chains off: the op-by-op path.
  return runProgram(prog, { x }, inPlace ? {} : { onValues: () => undefined });
}

describe('conv → batch_norm → relu in place', () => {
  it('finds the chain across the consts declared between its ops', () => {
    const block = convNormRelu(1).functions['main']!.block;
    const normAt = block.operations.findIndex((o) => o.type === 'batch_norm');
    const reluAt = block.operations.findIndex((o) => o.type === 'relu');
    expect([...normReluChains(block)]).toEqual([[normAt, { reluAt }]]);
  });

  it('gives bit-identical results to running the ops one by one', () => {
    for (const seed of [3, 17, 99]) {
      const prog = convNormRelu(seed);
      const x = f32([1, C_IN, SIZE, SIZE], noise(C_IN * SIZE * SIZE, seed * 7));
      const fused = run(prog, x, true)['y']!.data as Float32Array;
      const opByOp = run(prog, x, false)['y']!.data as Float32Array;
      expect(fused.some((y) => y > 0) && fused.some((y) => y === 0)).toBe(true);
      expect(Buffer.from(fused.buffer, fused.byteOffset, fused.byteLength).equals(Buffer.from(opByOp.buffer, opByOp.byteOffset, opByOp.byteLength))).toBe(true);
    }
  });

  it('leaves a conv result that is also an output untouched', () => {
    const prog = convNormRelu(5, ['c', 'y']);
    expect(normReluChains(prog.functions['main']!.block).size).toBe(0);
    const x = f32([1, C_IN, SIZE, SIZE], noise(C_IN * SIZE * SIZE, 11));
    const got = run(prog, x, true);
    const want = run(prog, x, false);
    expect(Array.from(got['c']!.data as Float32Array)).toEqual(Array.from(want['c']!.data as Float32Array));
    expect(Array.from(got['c']!.data as Float32Array).some((c) => c < 0)).toBe(true);
  });

  it('keeps the batch_norm out of the chain when another op reads its result too', () => {
    const prog = convNormRelu(5, ['n', 'y']);
    const chains = [...normReluChains(prog.functions['main']!.block).values()];
    expect(chains).toEqual([{}]);
    const x = f32([1, C_IN, SIZE, SIZE], noise(C_IN * SIZE * SIZE, 13));
    const got = run(prog, x, true);
    const want = run(prog, x, false);
    expect(Array.from(got['n']!.data as Float32Array)).toEqual(Array.from(want['n']!.data as Float32Array));
    expect(Array.from(got['y']!.data as Float32Array)).toEqual(Array.from(want['y']!.data as Float32Array));
  });

  it('reports progress once per op, in order, with the chain in place', () => {
    const seen: number[] = [];
    const prog = convNormRelu(2);
    runProgram(prog, { x: f32([1, C_IN, SIZE, SIZE], noise(C_IN * SIZE * SIZE, 2)) }, { onOp: (i) => seen.push(i) });
    expect(seen).toEqual([...prog.functions['main']!.block.operations.keys()]);
  });
});

const TOKENS = [1, 50, 96];

/** x · (erf(x / √2) + 1) · 0.5 as exporters write GELU, each constant declared just before its op. */
function erfGelu(outputs: string[] = ['y'], addend: { shape: number[]; values: number[] } = { shape: [], values: [1] }): MilProgram {
  const t = (name: string) => v(name, 'float32', TOKENS);
  const c = (name: string, shape: number[], values: number[]) => op('const', {}, [v(name, 'float32', shape)], { val: f32(shape, values) });
  return program([t('x')], [
    c('sqrt2', [], [Math.SQRT2]),
    op('real_div', { x: 'x', y: 'sqrt2' }, [t('d')]),
    op('erf', { x: 'd' }, [t('e')]),
    c('one', addend.shape, addend.values),
    op('add', { x: 'e', y: 'one' }, [t('a')]),
    op('mul', { x: 'x', y: 'a' }, [t('m')]),
    c('half', [1], [0.5]),
    op('mul', { x: 'm', y: 'half' }, [t('y')]),
  ], outputs);
}

function bytesOf(t: Tensor): Buffer {
  const d = t.data as Float32Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

describe('the erf GELU chain in one loop', () => {
  it('finds real_div → erf → add → mul → mul with constants declared between the ops', () => {
    const block = erfGelu().functions['main']!.block;
    const at = (type: string, nth = 0) => block.operations.map((o, i) => [o.type, i] as const).filter(([t]) => t === type)[nth]![1];
    expect([...erfGeluChains(block)]).toEqual([[at('real_div'), {
      rest: [at('erf'), at('add'), at('mul'), at('mul', 1)], x: 'x', divisor: 'sqrt2', addend: 'one', factor: 'half',
      constants: [at('const', 1), at('const', 2)],
    }]]);
  });

  it('gives bit-identical results to running the ops one by one', () => {
    for (const seed of [4, 21, 77]) {
      const prog = erfGelu();
      const x = f32(TOKENS, noise(50 * 96, seed).map((n) => n * 6));
      const fused = run(prog, x, true)['y']!;
      const opByOp = run(prog, x, false)['y']!;
      expect(bytesOf(fused).equals(bytesOf(opByOp))).toBe(true);
      expect(Array.from(fused.data as Float32Array).some((y) => y < 0)).toBe(true);
    }
  });

  it('runs the ops one by one when an intermediate result is also an output', () => {
    const prog = erfGelu(['e', 'y']);
    expect(erfGeluChains(prog.functions['main']!.block).size).toBe(0);
    const x = f32(TOKENS, noise(50 * 96, 8));
    const got = run(prog, x, true);
    expect(bytesOf(got['y']!).equals(bytesOf(run(prog, x, false)['y']!))).toBe(true);
  });

  it('falls back to the ops when a constant is not a scalar (the add broadcasts along the last axis)', () => {
    const prog = erfGelu(['y'], { shape: [96], values: Array.from(noise(96, 5)) });
    expect(erfGeluChains(prog.functions['main']!.block).size).toBe(1);
    const x = f32(TOKENS, noise(50 * 96, 9));
    expect(bytesOf(run(prog, x, true)['y']!).equals(bytesOf(run(prog, x, false)['y']!))).toBe(true);
  });

  it('reports progress once per op, in order', () => {
    const seen: number[] = [];
    const prog = erfGelu();
    runProgram(prog, { x: f32(TOKENS, noise(50 * 96, 3)) }, { onOp: (i) => seen.push(i) });
    expect(seen).toEqual([...prog.functions['main']!.block.operations.keys()]);
  });
});

/** relu(a + b) as a residual join writes it; `second` is the shape of b. */
function addRelu(second: number[] = [1, C_OUT, SIZE, SIZE], outputs: string[] = ['y']): MilProgram {
  const shape = [1, C_OUT, SIZE, SIZE];
  return program([v('a', 'float32', shape), v('b', 'float32', second)], [
    op('add', { x: 'a', y: 'b' }, [v('s', 'float32', shape)]),
    op('relu', { x: 's' }, [v('y', 'float32', shape)]),
  ], outputs);
}

describe('add → relu in one loop', () => {
  const runBoth = (prog: MilProgram, a: Tensor, b: Tensor, fused: boolean) => runProgram(prog, { a, b }, fused ? {} : { onValues: () => undefined });

  it('gives bit-identical results to running the ops one by one', () => {
    const prog = addRelu();
    expect([...addReluPairs(prog.functions['main']!.block)]).toEqual([[0, 1]]);
    const shape = [1, C_OUT, SIZE, SIZE];
    const n = C_OUT * SIZE * SIZE;
    const a = f32(shape, noise(n, 31).map((x) => x * 1e3));
    const b = f32(shape, noise(n, 32).map((x) => x * 1e-3));
    const fused = runBoth(prog, a, b, true)['y']!;
    const opByOp = runBoth(prog, a, b, false)['y']!;
    expect(bytesOf(fused).equals(bytesOf(opByOp))).toBe(true);
    const ys = Array.from(fused.data as Float32Array);
    expect(ys.some((y) => y > 0) && ys.some((y) => y === 0)).toBe(true);
  });

  it('runs the ops one by one when b broadcasts, and keeps the sum when it is an output', () => {
    const n = C_OUT * SIZE * SIZE;
    const a = f32([1, C_OUT, SIZE, SIZE], noise(n, 33));
    const b = f32([1, C_OUT, 1, 1], noise(C_OUT, 34));
    const broadcast = addRelu([1, C_OUT, 1, 1]);
    expect(bytesOf(runBoth(broadcast, a, b, true)['y']!).equals(bytesOf(runBoth(broadcast, a, b, false)['y']!))).toBe(true);
    expect(addReluPairs(addRelu(undefined, ['s', 'y']).functions['main']!.block).size).toBe(0);
  });
});

const D_IN = 40;
const D_OUT = 24;

/** linear (with its own bias) → add of a constant declared after it, as converters write a bias add. */
function linearAdd(rows: number, addendShape: number[], outputs: string[] = ['y']): MilProgram {
  const shape = [1, rows, D_OUT];
  const count = addendShape.reduce((p, d) => p * d, 1);
  return program([v('x', 'float32', [1, rows, D_IN])], [
    op('const', {}, [v('w', 'float32', [D_OUT, D_IN])], { val: f32([D_OUT, D_IN], noise(D_OUT * D_IN, 41)) }),
    op('const', {}, [v('b', 'float32', [D_OUT])], { val: f32([D_OUT], noise(D_OUT, 42)) }),
    op('linear', { x: 'x', weight: 'w', bias: 'b' }, [v('l', 'float32', shape)]),
    op('const', {}, [v('extra', 'float32', addendShape)], { val: f32(addendShape, noise(count, 43).map((n) => n * 100)) }),
    op('add', { x: 'l', y: 'extra' }, [v('y', 'float32', shape)]),
  ], outputs);
}

describe('linear → add of a constant in the GEMM', () => {
  it('finds the pair with its constant declared after the linear', () => {
    expect([...linearAddPairs(linearAdd(8, [D_OUT]).functions['main']!.block)]).toEqual([[2, { addAt: 4, addend: 'extra', constantAt: 3 }]]);
  });

  it.each([[8], [2]])('gives bit-identical results to running the ops one by one (%i rows)', (rows) => {
    for (const shape of [[D_OUT], [1, 1, D_OUT]]) {
      const prog = linearAdd(rows, shape);
      const x = f32([1, rows, D_IN], noise(rows * D_IN, rows));
      expect(bytesOf(run(prog, x, true)['y']!).equals(bytesOf(run(prog, x, false)['y']!))).toBe(true);
    }
  });

  it('runs the ops one by one when the constant is not one value per output feature', () => {
    for (const shape of [[1], [8, 1]]) {
      const prog = linearAdd(8, shape);
      const x = f32([1, 8, D_IN], noise(8 * D_IN, 44));
      expect(bytesOf(run(prog, x, true)['y']!).equals(bytesOf(run(prog, x, false)['y']!))).toBe(true);
    }
    expect(linearAddPairs(linearAdd(8, [D_OUT], ['l', 'y']).functions['main']!.block).size).toBe(0);
  });
});

/** conv (groups, bias) → batch_norm with no relu, the statistics declared after the conv. */
function convNorm(groups: number, seed: number): MilProgram {
  const shape = [1, C_OUT, SIZE, SIZE];
  const cin = groups === 1 ? C_IN : C_OUT;
  const stat = (name: string, k: number, offset: number) =>
    op('const', {}, [v(name, 'float32', [C_OUT])], { val: f32([C_OUT], noise(C_OUT, seed + k).map((x) => x + offset)) });
  return program([v('x', 'float32', [1, cin, SIZE, SIZE])], [
    op('const', {}, [v('w', 'float32', [C_OUT, cin / groups, 3, 3])], { val: f32([C_OUT, cin / groups, 3, 3], noise(C_OUT * (cin / groups) * 9, seed)) }),
    op('const', {}, [v('b', 'float32', [C_OUT])], { val: f32([C_OUT], noise(C_OUT, seed + 9)) }),
    op('conv', { x: 'x', weight: 'w', bias: 'b', groups: int(groups), pad_type: str('same') }, [v('c', 'float32', shape)]),
    stat('mean', 1, 0), stat('variance', 2, 1.5), stat('gamma', 3, 0), stat('beta', 4, 0),
    op('batch_norm', { x: 'c', mean: 'mean', variance: 'variance', gamma: 'gamma', beta: 'beta', epsilon: scalar(1e-3) }, [v('y', 'float32', shape)]),
  ], ['y']);
}

describe('conv → batch_norm (→ relu) applied as the conv stores each channel', () => {
  it('plans the chain from the conv, running the statistics declared after it first', () => {
    const block = convNormRelu(1).functions['main']!.block;
    const at = (type: string) => block.operations.findIndex((o) => o.type === type);
    const consts = block.operations.map((o, i) => [o, i] as const).filter(([o, i]) => o.type === 'const' && i > at('conv') && i < at('batch_norm')).map(([, i]) => i);
    expect([...convNormChains(block)]).toEqual([[at('conv'), { normAt: at('batch_norm'), reluAt: at('relu'), constants: consts.slice(0, 4) }]]);
  });

  it.each([[1], [C_OUT]])('gives bit-identical results without a relu, with a bias (groups %i)', (groups) => {
    const prog = convNorm(groups, 23);
    const cin = groups === 1 ? C_IN : C_OUT;
    const x = f32([1, cin, SIZE, SIZE], noise(cin * SIZE * SIZE, 24));
    const fused = run(prog, x, true)['y']!;
    expect(bytesOf(fused).equals(bytesOf(run(prog, x, false)['y']!))).toBe(true);
    expect(Array.from(fused.data as Float32Array).some((y) => y < 0)).toBe(true);
  });
});
