import { describe, expect, it } from 'vitest';
import type { CoreMLModel } from '../../src/coreml/model.js';
import type { MilBlock, MilProgram } from '../../src/mil/ir.js';
import { runModel, runProgram, supportedOpTypes } from '../../src/runtime/interpreter.js';
import { onDemandTensor } from '../../src/tensor/on-demand.js';
import { f16, f32, i32, op, program, scalar, str, v, values } from './build.js';

/** y = relu(x · 2) on a [2] fp32 input. */
function doubleRelu(): MilProgram {
  return program([v('x', 'float32', [2])], [
    op('const', {}, [v('two', 'float32', [])], { val: scalar(2) }),
    op('mul', { x: 'x', y: 'two' }, [v('m', 'float32', [2])]),
    op('relu', { x: 'm' }, [v('y', 'float32', [2])]),
  ], ['y']);
}

describe('runProgram', () => {
  it('runs ops in order, reading params bound by name to consts and earlier outputs', () => {
    const out = runProgram(doubleRelu(), { x: f32([2], [-1, 3]) });
    expect(values(out['y']!)).toEqual([0, 6]);
  });

  it('reports progress after each top-level op', () => {
    const seen: [number, number][] = [];
    runProgram(doubleRelu(), { x: f32([2], [1, 1]) }, { onOp: (i, n) => seen.push([i, n]) });
    expect(seen).toEqual([[0, 3], [1, 3], [2, 3]]);
  });

  it('names a missing input, a wrong dtype, a wrong shape and an unknown input', () => {
    expect(() => runProgram(doubleRelu(), {})).toThrow(/missing input 'x'/);
    expect(() => runProgram(doubleRelu(), { x: f16([2], [1, 2]) })).toThrow(/input 'x' must be float32, got float16/);
    expect(() => runProgram(doubleRelu(), { x: f32([3], [1, 2, 3]) })).toThrow(/input 'x' must have shape \[2\], got \[3\]/);
    expect(() => runProgram(doubleRelu(), { x: f32([2], [1, 2]), z: f32([1], [0]) })).toThrow(/unknown input 'z'/);
  });

  it('accepts any size for a dimension declared unknown', () => {
    const prog = program([v('x', 'float32', [null])], [op('relu', { x: 'x' }, [v('y', 'float32', [null])])], ['y']);
    expect(values(runProgram(prog, { x: f32([3], [-1, 0, 1]) })['y']!)).toEqual([0, 0, 1]);
  });

  it('an op with no kernel is a RUNTIME error naming its type and name', () => {
    const prog = program([v('x', 'float32', [1])], [op('frobnicate', { x: 'x' }, [v('y', 'float32', [1])], {}, 'my_op')], ['y']);
    expect(() => runProgram(prog, { x: f32([1], [0]) })).toThrow(expect.objectContaining({ code: 'RUNTIME', message: expect.stringMatching(/'frobnicate' \(op 'my_op'\)/) }));
  });

  it('a kernel failure is reported as a RUNTIME error naming the op', () => {
    // A negative fill shape makes the typed-array allocation itself throw.
    const prog = program([v('x', 'float32', [2])], [op('fill', { shape: i32([1], [-1]) }, [v('y', 'float32', [null])], {}, 'bad_fill')], ['y']);
    expect(() => runProgram(prog, { x: f32([2], [1, 2]) })).toThrow(expect.objectContaining({ code: 'RUNTIME', message: expect.stringMatching(/fill 'bad_fill' failed/) }));
  });

  it('a parameter that reads an undefined name is an error naming both', () => {
    const prog = program([], [op('relu', { x: 'nowhere' }, [v('y', 'float32', [1])])], ['y']);
    expect(() => runProgram(prog, {})).toThrow(/parameter 'x' reads 'nowhere'/);
  });

  it('a result whose shape disagrees with the declared output type is reported', () => {
    const prog = program([v('x', 'float32', [2])], [op('relu', { x: 'x' }, [v('y', 'float32', [3])])], ['y']);
    expect(() => runProgram(prog, { x: f32([2], [1, 2]) })).toThrow(/relu 'y' produced shape \[2\], but the program declares \[3\]/);
  });

  it('a one-element result takes the declared rank (scalar vs [1])', () => {
    const prog = program([v('x', 'float32', [3])], [
      op('reduce_sum', { x: 'x' }, [v('s', 'float32', [1])]),
    ], ['s']);
    const out = runProgram(prog, { x: f32([3], [1, 2, 3]) })['s']!;
    expect(out.shape).toEqual([1]);
    expect(values(out)).toEqual([6]);
  });

  it('narrows int64 and float64 constants to the int32 and fp32 Core ML computes in', () => {
    const prog = program([v('x', 'float32', [2, 2])], [
      op('reshape', { x: 'x', shape: { dtype: 'int64', shape: [1], data: BigInt64Array.of(4n) } }, [v('flat', 'float32', [4])]),
      op('add', { x: 'flat', y: { dtype: 'float64', shape: [], data: Float64Array.of(0.5) } }, [v('y', 'float32', [4])]),
    ], ['y']);
    expect(values(runProgram(prog, { x: f32([2, 2], [1, 2, 3, 4]) })['y']!)).toEqual([1.5, 2.5, 3.5, 4.5]);
  });

  it('lists the op types it can run', () => {
    const ops = supportedOpTypes();
    for (const t of ['conv', 'lstm', 'constexpr_lut_to_dense', 'while_loop', 'scaled_dot_product_attention']) expect(ops).toContain(t);
    expect(ops).toEqual([...ops].sort());
  });

  it('returns fp16 outputs as half bit patterns and int32 outputs as Int32Array', () => {
    const prog = program([v('x', 'float16', [2])], [
      op('add', { x: 'x', y: f16([], [1]) }, [v('y', 'float16', [2])]),
      op('cast', { x: 'y', dtype: str('int32') }, [v('z', 'int32', [2])]),
    ], ['y', 'z']);
    const out = runProgram(prog, { x: f16([2], [0.5, 2]) });
    expect(out['y']!.data).toBeInstanceOf(Uint16Array);
    expect(values(out['y']!)).toEqual([1.5, 3]);
    expect(out['z']!.data).toBeInstanceOf(Int32Array);
  });

  it('an fp16 program shows fp16 rounding at every op', () => {
    // In fp16, 2048 + 1 rounds back to 2048 before the subtraction sees it.
    const prog = program([v('x', 'float16', [1])], [
      op('add', { x: 'x', y: f16([], [1]) }, [v('a', 'float16', [1])]),
      op('sub', { x: 'a', y: f16([], [2048]) }, [v('y', 'float16', [1])]),
    ], ['y']);
    expect(values(runProgram(prog, { x: f16([1], [2048]) })['y']!)).toEqual([0]);
  });

  it('runs a named function', () => {
    const prog = doubleRelu();
    prog.functions['other'] = { inputs: [v('x', 'float32', [2])], opset: 'CoreML6', block: { inputs: [], operations: [op('abs', { x: 'x' }, [v('y', 'float32', [2])])], outputs: ['y'] } };
    expect(values(runProgram(prog, { x: f32([2], [-4, 4]) }, { functionName: 'other' })['y']!)).toEqual([4, 4]);
    expect(() => runProgram(prog, {}, { functionName: 'nope' })).toThrow(/no function 'nope'/);
  });

  it('cond runs the branch chosen by pred, and branches read outer values', () => {
    const branch = (type: string): MilBlock => ({ inputs: [], operations: [op(type, { x: 'x' }, [v(`${type}_out`, 'float32', [1])])], outputs: [`${type}_out`] });
    const make = (pred: number): MilProgram => {
      const cond = op('cond', { pred: i32([], [pred]) }, [v('y', 'float32', [1])]);
      cond.blocks = [branch('abs'), branch('relu')];
      return program([v('x', 'float32', [1])], [cond], ['y']);
    };
    expect(values(runProgram(make(1), { x: f32([1], [-3]) })['y']!)).toEqual([3]);
    expect(values(runProgram(make(0), { x: f32([1], [-3]) })['y']!)).toEqual([0]);
  });

  it('while_loop carries values through the body until the condition fails', () => {
    // i = 0; while (i < 5) i = i + 2
    const condBlock: MilBlock = { inputs: [v('ci', 'int32', [])], operations: [op('less', { x: 'ci', y: i32([], [5]) }, [v('go', 'bool', [])])], outputs: ['go'] };
    const body: MilBlock = { inputs: [v('bi', 'int32', [])], operations: [op('add', { x: 'bi', y: i32([], [2]) }, [v('next', 'int32', [])])], outputs: ['next'] };
    const loop = op('while_loop', { loop_vars: [i32([], [0])] }, [v('final', 'int32', [])]);
    loop.blocks = [condBlock, body];
    const out = runProgram(program([], [loop], ['final']), {});
    expect(Array.from(out['final']!.data as Int32Array)).toEqual([6]);
  });

  it('concat reads a variadic parameter bound to several values', () => {
    const prog = program([v('a', 'float32', [1]), v('b', 'float32', [1])], [
      op('concat', { values: ['a', f32([1], [0]), 'b'], axis: i32([], [0]) }, [v('y', 'float32', [3])]),
    ], ['y']);
    expect(values(runProgram(prog, { a: f32([1], [1]), b: f32([1], [2]) })['y']!)).toEqual([1, 0, 2]);
  });
});

describe('a run told it is the only one', () => {
  /** y = x · w with an fp16 weight the interpreter widens to float32. */
  const weighted = (): MilProgram =>
    program([v('x', 'float16', [2])], [
      op('const', {}, [v('w', 'float16', [2])], { val: f16([2], [0.5, 3]) }),
      op('mul', { x: 'x', y: 'w' }, [v('y', 'float16', [2])]),
    ], ['y']);

  /** The weight's widened value as each of two runs sees it, and the runs' outputs. */
  function twoRuns(once: boolean): { weights: unknown[]; outputs: number[][] } {
    const prog = weighted();
    const weights: unknown[] = [];
    const outputs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const out = runProgram(prog, { x: f16([2], [2, -1]) }, { once, onValues: (o, vs) => (o.type === 'const' ? weights.push(vs[0]!.data) : undefined) });
      outputs.push(values(out['y']!));
    }
    return { weights, outputs };
  }

  it('widens its constants afresh instead of keeping them for later runs, with the same results', () => {
    const kept = twoRuns(false);
    const freed = twoRuns(true);
    expect(kept.weights[1]).toBe(kept.weights[0]);
    expect(freed.weights[1]).not.toBe(freed.weights[0]);
    expect(freed.outputs).toEqual([[1, -3], [1, -3]]);
    expect(freed.outputs).toEqual(kept.outputs);
  });

  it('reads an fp32 constant through a view of its own, sharing the program\'s bytes, so nothing derived from it outlives the run', () => {
    const weight = f32([2], [0.5, 3]);
    const prog = program([v('x', 'float32', [2])], [
      op('const', {}, [v('w', 'float32', [2])], { val: weight }),
      op('mul', { x: 'x', y: 'w' }, [v('y', 'float32', [2])]),
    ], ['y']);
    let seen: unknown;
    const out = runProgram(prog, { x: f32([2], [2, -1]) }, { once: true, onValues: (o, vs) => (o.type === 'const' ? (seen = vs[0]!.data) : undefined) });
    expect(values(out['y']!)).toEqual([1, -3]);
    expect(seen).not.toBe(weight.data);
    expect((seen as Float32Array).buffer).toBe((weight.data as Float32Array).buffer);
  });

  it('lets go of a weight read on demand once its const has run, and keeps it for later runs otherwise', () => {
    let loads = 0;
    const weight = onDemandTensor('float32', [2], () => (loads++, Float32Array.from([0.5, 3])));
    const prog = program([v('x', 'float32', [2])], [
      op('const', {}, [v('w', 'float32', [2])], { val: weight }),
      op('mul', { x: 'x', y: 'w' }, [v('y', 'float32', [2])]),
    ], ['y']);
    const x = f32([2], [2, -1]);
    expect(values(runProgram(prog, { x }, { once: true })['y']!)).toEqual([1, -3]);
    expect(values(runProgram(prog, { x }, { once: true })['y']!)).toEqual([1, -3]);
    expect(loads).toBe(2);
    expect(values(runProgram(prog, { x })['y']!)).toEqual([1, -3]);
    expect(values(runProgram(prog, { x })['y']!)).toEqual([1, -3]);
    expect(loads).toBe(3);
  });
});

describe('weights run once', () => {
  it('packs a constant linear weight per call when run once, with the very products the cached panels give', () => {
    const rows = 8, inF = 300, outF = 37;
    const seeded = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
    const prog = program([v('x', 'float32', [rows, inF])], [
      op('const', {}, [v('w', 'float32', [outF, inF])], { val: f32([outF, inF], seeded(outF * inF, 1)) }),
      op('linear', { x: 'x', weight: 'w' }, [v('y', 'float32', [rows, outF])]),
    ], ['y']);
    const x = f32([rows, inF], seeded(rows * inF, 2));
    const cached = values(runProgram(prog, { x })['y']!);
    const once = values(runProgram(prog, { x }, { once: true })['y']!);
    expect(once).toEqual(cached);
    expect(cached.some((y) => y !== 0)).toBe(true);
  });
});

describe('buffer reuse', () => {
  it('recycles dead buffers without disturbing values still visible through views', () => {
    const n = 8192;
    const x = f32([n], Float32Array.from({ length: n }, (_, i) => (i % 7) - 3));
    const prog = program([v('x', 'float32', [n])], [
      op('relu', { x: 'x' }, [v('a', 'float32', [n])]),
      op('reshape', { x: 'a', shape: i32([2], [2, n / 2]) }, [v('view', 'float32', [2, n / 2])]),
      op('mul', { x: 'x', y: f32([], [2]) }, [v('b', 'float32', [n])]),
      op('abs', { x: 'b' }, [v('c', 'float32', [n])]),
      op('sqrt', { x: 'c' }, [v('d', 'float32', [n])]),
      op('reshape', { x: 'view', shape: i32([1], [n]) }, [v('flat', 'float32', [n])]),
      op('add', { x: 'flat', y: 'd' }, [v('y', 'float32', [n])]),
    ], ['y', 'b']);
    for (let run = 0; run < 2; run++) {
      const out = runProgram(prog, { x });
      const y = out['y']!.data as Float32Array;
      const b = out['b']!.data as Float32Array;
      for (let i = 0; i < n; i += 997) {
        const xi = (i % 7) - 3;
        expect(y[i]).toBeCloseTo(Math.max(xi, 0) + Math.sqrt(Math.abs(2 * xi)), 5);
        expect(b[i]).toBe(2 * xi);
      }
    }
    expect(Array.from(x.data as Float32Array).slice(0, 7)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('a later run reuses what an earlier one released but never the outputs it returned', () => {
    const n = 8192;
    const prog = program([v('x', 'float32', [n])], [
      op('relu', { x: 'x' }, [v('a', 'float32', [n])]),
      op('mul', { x: 'a', y: f32([], [3]) }, [v('b', 'float32', [n])]),
      op('add', { x: 'b', y: f32([], [1]) }, [v('y', 'float32', [n])]),
    ], ['y']);
    const input = (k: number) => f32([n], Float32Array.from({ length: n }, (_, i) => ((i * k) % 11) - 5));
    const first = runProgram(prog, { x: input(1) })['y']!.data as Float32Array;
    const kept = Float32Array.from(first);
    for (const k of [2, 3]) {
      const y = runProgram(prog, { x: input(k) })['y']!.data as Float32Array;
      expect(y).not.toBe(first);
      expect(y[7]).toBe(Math.max(((7 * k) % 11) - 5, 0) * 3 + 1);
    }
    expect(first).toEqual(kept);
  });
});

describe('runModel', () => {
  it('returns outputs under the described names and dtypes', () => {
    const model: CoreMLModel = {
      specificationVersion: 7,
      inputs: [{ name: 'x', type: { kind: 'multiArray', dtype: 'float32', shape: [2] } }],
      outputs: [{ name: 'y', type: { kind: 'multiArray', dtype: 'float32', shape: [2] } }],
      metadata: {},
      program: doubleRelu(),
    };
    const out = runModel(model, { x: f32([2], [2, -2]) });
    expect(Object.keys(out)).toEqual(['y']);
    expect(values(out['y']!)).toEqual([4, 0]);
  });
});

describe('runProgram onValues', () => {
  it('shows every top-level op its results as they are made, fp16 ones rounded', async () => {
    const { op: mk, program: prog, v: val, f32: t } = await import('./build.js');
    const { runProgram: run } = await import('../../src/runtime/interpreter.js');
    const p = prog(
      [val('x', 'float32', [2])],
      [
        mk('mul', { x: 'x', y: t([2], [3, 3]) }, [val('tripled', 'float32', [2])]),
        mk('add', { x: 'tripled', y: t([2], [1, 1]) }, [val('y', 'float32', [2])]),
      ],
      ['y'],
    );
    const seen: [string, number[]][] = [];
    run(p, { x: t([2], [1, 2]) }, { onValues: (o, values) => seen.push([o.name, Array.from(values[0]!.data as Float32Array)]) });
    expect(seen).toEqual([['tripled', [3, 6]], ['y', [4, 7]]]);
  });
});
