import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst, MilBuildError } from '../../src/mil/builder.js';
import type { MilProgram } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import { makeTensor, toNumberList } from '../../src/tensor/tensor.js';

const f32 = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));

function program(b: MilBuilder, outputs: string[]): MilProgram {
  return { functions: { main: b.finish(outputs) } };
}

describe('nested blocks in the MIL builder', () => {
  it('builds a cond whose branches read outer values and a constant first used inside a branch', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2] });
    const flag = b.addInput('flag', { dtype: 'bool', shape: [] });
    const then = b.nestedBlock([], () => [b.op1('add', { x, y: f32(10, 20) })]);
    const otherwise = b.nestedBlock([], () => [b.op1('mul', { x, y: milConst.float(-1) })]);
    const [y] = b.opWithBlocks('cond', { pred: flag }, [then, otherwise]);
    expect(b.typeOf(y!)).toEqual({ dtype: 'float32', shape: [2] });
    // The branch's constant went to the function block, before the cond.
    expect(b.operations().filter((o) => o.type === 'const')).toHaveLength(2);
    const p = program(b, [y!]);
    expect(validateProgram(p)).toEqual([]);
    const run = (v: boolean) => toNumberList(runProgram(p, { x: f32(1, 2), flag: makeTensor('bool', [], new Uint8Array([v ? 1 : 0])) })[y!]!);
    expect(run(true)).toEqual([11, 22]);
    expect(run(false)).toEqual([-1, -2]);
  });

  it('refuses cond branches that return different types', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2] });
    const flag = b.addInput('flag', { dtype: 'bool', shape: [] });
    const then = b.nestedBlock([], () => [x]);
    const otherwise = b.nestedBlock([], () => [b.op1('cast', { x, dtype: milConst.str('int32') })]);
    expect(() => b.opWithBlocks('cond', { pred: flag }, [then, otherwise])).toThrow(/same types/);
  });

  it('builds a while_loop whose blocks take the loop vars as inputs', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1] });
    const types = [{ name: 'i', type: { dtype: 'int32' as const, shape: [] } }, { name: 'acc', type: { dtype: 'float32' as const, shape: [1] } }];
    const condition = b.nestedBlock(types, ([i]) => [b.op1('less', { x: i!, y: milConst.int(3) })]);
    const body = b.nestedBlock(types, ([i, acc]) => [b.op1('add', { x: i!, y: milConst.int(1) }), b.op1('add', { x: acc!, y: x })]);
    const [, acc] = b.opWithBlocks('while_loop', { loop_vars: [milConst.int(0), f32(0.5)] }, [condition, body], { numOutputs: 2 });
    const p = program(b, [acc!]);
    expect(validateProgram(p)).toEqual([]);
    const out = runProgram(p, { x: f32(2) });
    expect(toNumberList(out[acc!]!)).toEqual([6.5]);
  });

  it('refuses a while_loop body that changes a loop var type', () => {
    const b = new MilBuilder('iOS15');
    const types = [{ name: 'i', type: { dtype: 'int32' as const, shape: [] } }];
    const condition = b.nestedBlock(types, ([i]) => [b.op1('less', { x: i!, y: milConst.int(3) })]);
    const body = b.nestedBlock(types, ([i]) => [b.op1('cast', { x: i!, dtype: milConst.str('fp32') })]);
    expect(() => b.opWithBlocks('while_loop', { loop_vars: [milConst.int(0)] }, [condition, body])).toThrow(/body must return/);
  });

  it('closes the block even when its body throws', () => {
    const b = new MilBuilder('iOS15');
    expect(() => b.nestedBlock([], () => { throw new MilBuildError('inner'); })).toThrow(/inner/);
    expect(() => b.finish([])).not.toThrow();
  });
});
