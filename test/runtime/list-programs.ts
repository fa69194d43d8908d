import type { MilBlock, MilProgram, MilVar } from '../../src/mil/ir.js';
import { f32, flag, int, ints, op, program, str, v } from './build.js';

/**
 * The list programs of Apple's list tests (iOS14 test_control_flow.py, TestList),
 * built as MIL IR: lists of fp32 vectors of length 2.
 */

export const ELEMENT_LENGTH = 2;

/** A list of fp32 [2] elements; length null: a dynamic-length list. */
export function listVar(name: string, length: number | null = null): MilVar {
  return { name, type: { dtype: 'float32', shape: [length], collection: { kind: 'list', elementShape: [ELEMENT_LENGTH] } } };
}

/**
 * make_list(init_length=2), read element 0, write a at 0, write b at 4 (past the
 * end: the list grows), scatter [-1,-2] and [-4,-5] to 2 and 1, then read 0 and
 * gather [4, 2, 3]. `dynamic` false makes the write at 4 an error.
 */
export function smokeProgram(dynamic = true): MilProgram {
  return program([v('a', 'float32', [2]), v('b', 'float32', [2])], [
    op('make_list', { init_length: int(2), dynamic_length: flag(dynamic), elem_shape: ints([ELEMENT_LENGTH]), dtype: str('fp32') }, [listVar('ls0', dynamic ? null : 2)]),
    op('list_read', { ls: 'ls0', index: int(0) }, [v('init_t', 'float32', [2])]),
    op('list_write', { ls: 'ls0', index: int(0), value: 'a' }, [listVar('ls1', dynamic ? null : 2)]),
    op('list_write', { ls: 'ls1', index: int(4), value: 'b' }, [listVar('ls2')]),
    op('list_scatter', { ls: 'ls2', indices: ints([2, 1]), value: f32([2, 2], [-1, -2, -4, -5]) }, [listVar('ls3')]),
    op('list_read', { ls: 'ls3', index: int(0) }, [v('read0', 'float32', [2])]),
    op('list_gather', { ls: 'ls3', indices: ints([4, 2, 3]) }, [v('gathered', 'float32', [3, 2])]),
  ], ['init_t', 'read0', 'gathered']);
}

/**
 * i = 0; ls = make_list(init_length=1); while (float(i) < num_iters) { ls[i] = update * i; i += 1 };
 * list_gather(ls, range_1d(0, list_length(ls), 1)). The list rides through the loop as a loop var.
 */
export function whileLoopProgram(): MilProgram {
  const loopInputs = (p: string): MilVar[] => [v(`${p}_i`, 'int32', []), v(`${p}_n`, 'float32', [1]), listVar(`${p}_ls`), v(`${p}_u`, 'float32', [2])];
  const condition: MilBlock = {
    inputs: loopInputs('c'),
    operations: [
      op('cast', { x: 'c_i', dtype: str('fp32') }, [v('c_if', 'float32', [])]),
      op('less', { x: 'c_if', y: 'c_n' }, [v('c_go', 'bool', [1])]),
    ],
    outputs: ['c_go'],
  };
  const body: MilBlock = {
    inputs: loopInputs('b'),
    operations: [
      op('cast', { x: 'b_i', dtype: str('fp32') }, [v('b_if', 'float32', [])]),
      op('mul', { x: 'b_u', y: 'b_if' }, [v('b_row', 'float32', [2])]),
      op('list_write', { ls: 'b_ls', index: 'b_i', value: 'b_row' }, [listVar('b_ls_next')]),
      op('add', { x: 'b_i', y: int(1) }, [v('b_i_next', 'int32', [])]),
    ],
    outputs: ['b_i_next', 'b_n', 'b_ls_next', 'b_u'],
  };
  const loop = op('while_loop', { loop_vars: [int(0), 'num_iters', 'ls', 'update'] }, [
    v('i_final', 'int32', []), v('n_final', 'float32', [1]), listVar('ls_final'), v('u_final', 'float32', [2]),
  ]);
  loop.blocks = [condition, body];
  return program([v('num_iters', 'float32', [1]), v('update', 'float32', [2])], [
    op('make_list', { init_length: int(1), elem_shape: ints([ELEMENT_LENGTH]) }, [listVar('ls')]),
    loop,
    op('list_length', { ls: 'ls_final' }, [v('len', 'int32', [])]),
    op('range_1d', { start: int(0), end: 'len', step: int(1) }, [v('indices', 'int32', [null])]),
    op('list_gather', { ls: 'ls_final', indices: 'indices' }, [v('rows', 'float32', [null, 2])]),
  ], ['rows'], 'CoreML5');
}

/** Apple's expected rows: row i is update * i for every i with i < num_iters. */
export function expectedRows(numIters: number, update: readonly number[]): number[] {
  const rows: number[] = [];
  for (let i = 0; i < numIters; i++) rows.push(...update.map((u) => Math.fround(u * i)));
  return rows;
}
