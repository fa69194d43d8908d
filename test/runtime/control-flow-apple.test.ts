import { describe, expect, it } from 'vitest';
import type { MilBlock, MilOperation, MilProgram } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { bool, f16, f32, i32, op, program, str, v, values } from './build.js';

/**
 * cond, while_loop and const on the programs of Apple's control-flow tests
 * (iOS14/test_control_flow.py, TestCond, TestWhileLoop and TestConst): fp32 values of
 * shape [1], a while_loop condition that returns the bool [1] of `less`, loop
 * bodies that read values defined outside the loop. The expected values are
 * the tests' formulas, computed here for several inputs; every program must
 * also pass the validator, since Core ML runs them.
 */

const one = (name: string) => v(name, 'float32', [1]);
const withBlocks = (operation: MilOperation, blocks: MilBlock[]): MilOperation => Object.assign(operation, { blocks });

function expectValid(prog: MilProgram): void {
  expect(validateProgram(prog)).toEqual([]);
}

/** pred = squeeze(a); cond(pred, then: (b + 1, b * 2), else: (b − 1, b * −2)). */
function condProgram(): MilProgram {
  const branch = (prefix: string, shift: number, scale: number): MilBlock => ({
    inputs: [],
    operations: [
      op('add', { x: 'b', y: f32([], [shift]) }, [one(`${prefix}_sum`)]),
      op('mul', { x: 'b', y: f32([], [scale]) }, [one(`${prefix}_prod`)]),
    ],
    outputs: [`${prefix}_sum`, `${prefix}_prod`],
  });
  return program([v('a', 'bool', [1]), one('b')], [
    op('squeeze', { x: 'a' }, [v('pred', 'bool', [])]),
    withBlocks(op('cond', { pred: 'pred' }, [one('sum'), one('prod')]), [branch('then', 1, 2), branch('else', -1, -2)]),
  ], ['sum', 'prod']);
}

/** while (a < b) a = a + 1; returns (a, b). The body hands b back as it came in. */
function countUpProgram(): MilProgram {
  const condition: MilBlock = { inputs: [one('c_a'), one('c_b')], operations: [op('less', { x: 'c_a', y: 'c_b' }, [v('c_go', 'bool', [1])])], outputs: ['c_go'] };
  const body: MilBlock = { inputs: [one('b_a'), one('b_b')], operations: [op('add', { x: 'b_a', y: f32([], [1]) }, [one('b_next')])], outputs: ['b_next', 'b_b'] };
  return program([one('a'), one('b')], [withBlocks(op('while_loop', { loop_vars: ['a', 'b'] }, [one('a_out'), one('b_out')]), [condition, body])], ['a_out', 'b_out']);
}

/** a^b by repeated multiplication: loop_vars start as the constants [1] and [0]; the body reads a and the condition b from outside. */
function powerProgram(): MilProgram {
  const condition: MilBlock = { inputs: [one('c_res'), one('c_bx')], operations: [op('less', { x: 'c_bx', y: 'b' }, [v('c_go', 'bool', [1])])], outputs: ['c_go'] };
  const body: MilBlock = {
    inputs: [one('b_res'), one('b_bx')],
    operations: [
      op('mul', { x: 'b_res', y: 'a' }, [one('b_res_next')]),
      op('add', { x: 'b_bx', y: f32([], [1]) }, [one('b_bx_next')]),
    ],
    outputs: ['b_res_next', 'b_bx_next'],
  };
  const loop = withBlocks(op('while_loop', { loop_vars: [f32([1], [1]), f32([1], [0])] }, [one('res'), one('ignored')]), [condition, body]);
  return program([one('a'), one('b')], [loop], ['res']);
}

/**
 * i, j = x, y; while i < j: { while 2i < i + 2: i += 1 }; i += 2. The constants
 * two and one are made outside both loops, as the test does.
 */
function nestedProgram(): MilProgram {
  const consts = [
    op('const', {}, [one('two')], { val: f32([1], [2]) }),
    op('const', {}, [one('one')], { val: f32([1], [1]) }),
  ];
  const innerCondition: MilBlock = {
    inputs: [one('ic_i')],
    operations: [
      op('mul', { x: 'two', y: 'ic_i' }, [one('ic_twice')]),
      op('add', { x: 'ic_i', y: 'two' }, [one('ic_plus')]),
      op('less', { x: 'ic_twice', y: 'ic_plus' }, [v('ic_go', 'bool', [1])]),
    ],
    outputs: ['ic_go'],
  };
  const innerBody: MilBlock = { inputs: [one('ib_i')], operations: [op('add', { x: 'ib_i', y: 'one' }, [one('ib_next')])], outputs: ['ib_next'] };
  const outerCondition: MilBlock = { inputs: [one('oc_i'), one('oc_j')], operations: [op('less', { x: 'oc_i', y: 'oc_j' }, [v('oc_go', 'bool', [1])])], outputs: ['oc_go'] };
  const outerBody: MilBlock = {
    inputs: [one('ob_i'), one('ob_j')],
    operations: [
      withBlocks(op('while_loop', { loop_vars: ['ob_i'] }, [one('ob_inner')]), [innerCondition, innerBody]),
      op('add', { x: 'ob_inner', y: 'two' }, [one('ob_next')]),
    ],
    outputs: ['ob_next', 'ob_j'],
  };
  const loop = withBlocks(op('while_loop', { loop_vars: ['x', 'y'] }, [one('i_out'), one('j_out')]), [outerCondition, outerBody]);
  return program([one('x'), one('y')], [...consts, loop], ['i_out', 'j_out']);
}

const fr = Math.fround;

describe('cond as Apple\'s TestCond pins it', () => {
  it('runs the true branch (b + 1, 2b) when the squeezed bool is set and the false branch (b − 1, −2b) otherwise', () => {
    const prog = condProgram();
    expectValid(prog);
    for (const [a, b] of [[0, 2], [1, 2], [1, -3.5], [0, 0.25]] as const) {
      const out = runProgram(prog, { a: bool([1], [a]), b: f32([1], [b]) });
      expect(values(out['sum']!)).toEqual(a ? [fr(b + 1)] : [fr(b - 1)]);
      expect(values(out['prod']!)).toEqual(a ? [fr(b * 2)] : [fr(b * -2)]);
    }
  });

  it('refuses a pred that is not a bool scalar, as the definition requires', () => {
    const prog = condProgram();
    const block = prog.functions['main']!.block;
    block.operations = block.operations.slice(1);
    block.operations[0]!.inputs['pred'] = [{ kind: 'name', name: 'a' }];
    expect(validateProgram(prog).join('\n')).toMatch(/cond.pred must be a bool scalar/);
  });
});

describe('while_loop as Apple\'s TestWhileLoop pins it', () => {
  it('counts a up to b: the condition is checked before every pass, so a loop that starts false returns its inputs', () => {
    const prog = countUpProgram();
    expectValid(prog);
    for (const [a, b] of [[1, 2], [1, 5], [-2.5, 1], [3, 2]] as const) {
      let want = a;
      while (want < b) want += 1;
      const out = runProgram(prog, { a: f32([1], [a]), b: f32([1], [b]) });
      expect(values(out['a_out']!)).toEqual([want]);
      expect(values(out['b_out']!)).toEqual([b]);
    }
  });

  it('computes a^b from constant loop_vars, reading a and b from outside the loop', () => {
    const prog = powerProgram();
    expectValid(prog);
    for (const [a, b] of [[2, 4], [3, 3], [-1.5, 5], [7, 0]] as const) {
      const out = runProgram(prog, { a: f32([1], [a]), b: f32([1], [b]) });
      expect(values(out['res']!)).toEqual([fr(a ** b)]);
    }
  });

  it('runs a loop nested in a loop body, both reading constants made outside', () => {
    const prog = nestedProgram();
    expectValid(prog);
    for (const [x, y] of [[0, 10], [0, 3], [-4, 7], [5, 1]] as const) {
      let i = x;
      while (i < y) {
        while (2 * i < i + 2) i += 1;
        i += 2;
      }
      const out = runProgram(prog, { x: f32([1], [x]), y: f32([1], [y]) });
      expect(values(out['i_out']!)).toEqual([i]);
      expect(values(out['j_out']!)).toEqual([y]);
    }
  });

  it('accepts a condition returning a bool scalar or bool [1] (as Apple\'s tests do), and refuses any other', () => {
    // x = start; while (x < 3) x = x + 1, with x of the given shape.
    const loopOver = (shape: number[]) => {
      const x = (name: string) => v(name, 'float32', shape);
      const condition: MilBlock = { inputs: [x('c_x')], operations: [op('less', { x: 'c_x', y: f32([], [3]) }, [v('c_go', 'bool', shape)])], outputs: ['c_go'] };
      const body: MilBlock = { inputs: [x('b_x')], operations: [op('add', { x: 'b_x', y: f32([], [1]) }, [x('b_next')])], outputs: ['b_next'] };
      return program([x('start')], [withBlocks(op('while_loop', { loop_vars: ['start'] }, [x('end')]), [condition, body])], ['end']);
    };
    for (const shape of [[], [1]]) {
      expect(validateProgram(loopOver(shape))).toEqual([]);
      expect(values(runProgram(loopOver(shape), { start: f32(shape, [0.5]) })['end']!)).toEqual([3.5]);
    }
    expect(validateProgram(loopOver([2])).join('\n')).toMatch(/while_loop condition must return one bool \(a scalar or \[1\]\), got \(bool\[2\]\)/);
  });
});

describe('const as Apple\'s TestConst pins it', () => {
  /** y = const(val); x + cast(y, fp32). */
  const constPlusInput = (val: Tensor): MilProgram => program([v('x', 'float32', [4, 2])], [
    op('const', {}, [v('y', val.dtype, [4, 2])], { val }),
    op('cast', { x: 'y', dtype: str('fp32') }, [v('y32', 'float32', [4, 2])]),
    op('add', { x: 'x', y: 'y32' }, [v('sum', 'float32', [4, 2])]),
  ], ['sum']);

  it('an int32, fp16 or fp32 constant keeps its values through cast to fp32: x + constant', () => {
    const x = [3, 0, 4, 1, 2, 2, 0, 4];
    const constant = [1, 4, 0, 3, 2, 0, 4, 1];
    for (const val of [i32([4, 2], constant), f16([4, 2], constant), f32([4, 2], constant)]) {
      const prog = constPlusInput(val);
      expectValid(prog);
      expect(values(runProgram(prog, { x: f32([4, 2], x) })['sum']!)).toEqual(x.map((xi, i) => xi + constant[i]!));
    }
  });
});
