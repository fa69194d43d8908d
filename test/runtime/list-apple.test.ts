import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/runtime/interpreter.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f32, int, ints, op, program, str, v, values } from './build.js';
import { expectedRows, listVar, smokeProgram, whileLoopProgram } from './list-programs.js';

describe('MIL lists as Apple\'s list tests pin them (iOS14 test_control_flow.py, TestList)', () => {
  it('a new list reads as zeros, a write past the end grows it, scatter writes rows, gather stacks elements', () => {
    for (const [a, b] of [[[1, 3], [2, 4]], [[-0.5, 7], [9, -2.25]]] as const) {
      const out = runProgram(smokeProgram(), { a: f32([2], a), b: f32([2], b) });
      expect(values(out['init_t']!)).toEqual([0, 0]);
      expect(values(out['read0']!)).toEqual([...a]);
      // gather [4, 2, 3]: b written at 4, the first scattered row at 2, index 3 never written.
      expect(values(out['gathered']!)).toEqual([...b, -1, -2, 0, 0]);
      expect(out['gathered']!.shape).toEqual([3, 2]);
    }
  });

  it('accumulates one row per while_loop iteration: list_gather over list_length gives update * i', () => {
    for (const [n, update] of [[3, [1, 2]], [5, [-1.5, 4]], [2.5, [0.25, -3]]] as const) {
      const out = runProgram(whileLoopProgram(), { num_iters: f32([1], [n]), update: f32([2], update) });
      const rows = expectedRows(n, update);
      expect(out['rows']!.shape).toEqual([rows.length / 2, 2]);
      expect(values(out['rows']!)).toEqual(rows);
    }
  });

  it('refuses a write past the end of a fixed-length list', () => {
    expect(() => runProgram(smokeProgram(false), { a: f32([2], [1, 3]), b: f32([2], [2, 4]) })).toThrow(/list_write 'ls2': index 4 is out of range for a list of fixed length 2/);
  });

  it('refuses reads outside the list and elements of the wrong shape', () => {
    const read = (index: number) => program([], [
      op('make_list', { init_length: int(2), elem_shape: [int(2)] }, [listVar('ls')]),
      op('list_read', { ls: 'ls', index: int(index) }, [v('y', 'float32', [2])]),
    ], ['y']);
    expect(values(runProgram(read(1), {})['y']!)).toEqual([0, 0]);
    expect(() => runProgram(read(2), {})).toThrow(/list_read 'y': index 2 is out of range for a list of length 2/);
    expect(() => runProgram(read(-1), {})).toThrow(/index -1 is out of range/);
    const wrongShape = program([], [
      op('make_list', { init_length: int(1), elem_shape: [int(2)] }, [listVar('ls')]),
      op('list_write', { ls: 'ls', index: int(0), value: f32([3], [1, 2, 3]) }, [listVar('ls1')]),
      op('list_length', { ls: 'ls1' }, [v('n', 'int32', [])]),
    ], ['n']);
    expect(() => runProgram(wrongShape, {})).toThrow(/value of shape \[3\] does not match the list's elem_shape \[2\]/);
  });

  it('takes elem_shape as coremltools writes it, a tuple of scalars, and learns a run-time size from the first write', () => {
    const prog = (parts: (Tensor)[]) => program([], [
      op('make_list', { init_length: int(0), elem_shape: parts }, [listVar('ls', 0)]),
      op('list_write', { ls: 'ls', index: int(1), value: f32([2], [7, 8]) }, [listVar('ls1')]),
      op('list_gather', { ls: 'ls1', indices: ints([1, 0]) }, [v('y', 'float32', [2, 2])]),
    ], ['y']);
    expect(values(runProgram(prog([int(2)]), {})['y']!)).toEqual([7, 8, 0, 0]);
    expect(values(runProgram(prog([str('n')]), {})['y']!)).toEqual([7, 8, 0, 0]);
    expect(() => runProgram(prog([int(3)]), {})).toThrow(/value of shape \[2\] does not match the list's elem_shape \[3\]/);
  });

  it('list_write leaves the list it read unchanged', () => {
    const prog = program([], [
      op('make_list', { init_length: int(1), elem_shape: [int(2)] }, [listVar('ls')]),
      op('list_write', { ls: 'ls', index: int(0), value: f32([2], [5, 6]) }, [listVar('ls1')]),
      op('list_read', { ls: 'ls', index: int(0) }, [v('old', 'float32', [2])]),
      op('list_read', { ls: 'ls1', index: int(0) }, [v('new', 'float32', [2])]),
    ], ['old', 'new']);
    const out = runProgram(prog, {});
    expect(values(out['old']!)).toEqual([0, 0]);
    expect(values(out['new']!)).toEqual([5, 6]);
  });

  it('refuses a list as a program output and a tensor where a list is declared', () => {
    const listOut = program([], [op('make_list', { elem_shape: [int(2)] }, [listVar('ls')])], ['ls']);
    expect(() => runProgram(listOut, {})).toThrow(/program output 'ls' is a list/);
    const notList = program([], [op('list_length', { ls: f32([2], [1, 2]) }, [v('n', 'int32', [])])], ['n']);
    expect(() => runProgram(notList, {})).toThrow(/parameter 'ls' must be a list/);
  });
});
