import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import type { MilProgram, MilTensorType } from '../../../src/mil/ir.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { runProgram } from '../../../src/runtime/interpreter.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';

const f32 = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));
const ints = (...v: number[]) => makeTensor('int32', [v.length], Int32Array.from(v));

describe('list ops in the MIL catalogue', () => {
  it('types make_list, list_write, list_read and list_gather from the element shape and length', () => {
    const b = new MilBuilder('iOS15');
    const fixed = b.op1('make_list', { init_length: milConst.int(3), dynamic_length: makeTensor('bool', [], Uint8Array.of(0)), elem_shape: ints(2, 4) });
    expect(b.typeOf(fixed)).toEqual({ dtype: 'float32', shape: [3], collection: { kind: 'list', elementShape: [2, 4] } });
    const grown = b.op1('make_list', { elem_shape: ints(2), dtype: milConst.str('int32') });
    expect(b.typeOf(grown)).toEqual({ dtype: 'int32', shape: [1], collection: { kind: 'list', elementShape: [2] } });
    // coremltools' form: a tuple of scalars, a string naming a size known only at run time.
    const tuple = b.op1('make_list', { init_length: milConst.int(0), elem_shape: [milConst.int(3), milConst.str('seq')] });
    expect(b.typeOf(tuple)).toEqual({ dtype: 'float32', shape: [0], collection: { kind: 'list', elementShape: [3, null] } });
    expect(b.typeOf(b.op1('list_read', { ls: fixed, index: milConst.int(0) }))).toEqual({ dtype: 'float32', shape: [2, 4] });
    expect(b.typeOf(b.op1('list_gather', { ls: fixed, indices: ints(0, 2) }))).toEqual({ dtype: 'float32', shape: [2, 2, 4] });
    expect(b.typeOf(b.op1('list_length', { ls: grown }))).toEqual({ dtype: 'int32', shape: [] });
    expect(() => b.op1('list_read', { ls: f32(1, 2), index: milConst.int(0) })).toThrow(/ls must be a list/);
  });

  it('builds Apple\'s while_loop accumulation (update * i per step) that validates and runs', () => {
    const b = new MilBuilder('iOS15');
    // A scalar bound: the catalogue wants the condition block to return a bool scalar.
    const n = b.addInput('num_iters', { dtype: 'float32', shape: [] });
    const update = b.addInput('update', { dtype: 'float32', shape: [2] });
    const ls = b.op1('make_list', { init_length: milConst.int(1), elem_shape: ints(2) });
    const listType: MilTensorType = b.typeOf(ls);
    const vars = [{ name: 'i', type: { dtype: 'int32' as const, shape: [] } }, { name: 'ls', type: listType }];
    const condition = b.nestedBlock(vars, ([i]) => [b.op1('less', { x: b.op1('cast', { x: i!, dtype: milConst.str('fp32') }), y: n })]);
    const body = b.nestedBlock(vars, ([i, l]) => {
      const row = b.op1('mul', { x: update, y: b.op1('cast', { x: i!, dtype: milConst.str('fp32') }) });
      return [b.op1('add', { x: i!, y: milConst.int(1) }), b.op1('list_write', { ls: l!, index: i!, value: row })];
    });
    const [, final] = b.opWithBlocks('while_loop', { loop_vars: [milConst.int(0), ls] }, [condition, body], { numOutputs: 2 });
    const length = b.op1('list_length', { ls: final! });
    const indices = b.op1('range_1d', { start: milConst.int(0), end: length, step: milConst.int(1) });
    const rows = b.op1('list_gather', { ls: final!, indices });
    const p: MilProgram = { functions: { main: b.finish([rows]) } };
    expect(validateProgram(p)).toEqual([]);
    for (const [iters, u] of [[3, [1, 2]], [4, [-2, 0.5]]] as const) {
      const out = runProgram(p, { num_iters: makeTensor('float32', [], Float32Array.of(iters)), update: f32(...u) });
      const expected = Array.from({ length: iters }, (_, i) => u.map((x) => x * i)).flat();
      expect(out[rows]!.shape).toEqual([iters, 2]);
      expect(toNumberList(out[rows]!)).toEqual(expected);
    }
  });
});
