import { describe, expect, it } from 'vitest';
import type { MilBlock } from '../../src/mil/ir.js';
import { nondeterministicOutputs } from '../../src/runtime/nondeterminism.js';
import { ints, op, program, scalar, v } from './build.js';

describe('nondeterministicOutputs', () => {
  it('names the outputs that read a random op directly, through other ops or inside a nested block', () => {
    const branch: MilBlock = {
      inputs: [],
      operations: [op('random_normal', { shape: ints([2]) }, [v('drawn', 'float32', [2])])],
      outputs: ['drawn'],
    };
    const cond = { ...op('cond', { pred: 'flag' }, [v('picked', 'float32', [2])]), blocks: [branch, branch] };
    const prog = program([v('x', 'float32', [2]), v('flag', 'bool', [])], [
      op('random_uniform', { shape: ints([2]), seed: scalar(1) }, [v('noise', 'float32', [2])]),
      op('add', { x: 'x', y: 'noise' }, [v('noisy', 'float32', [2])]),
      op('relu', { x: 'x' }, [v('clean', 'float32', [2])]),
      cond,
    ], ['noisy', 'clean', 'picked']);
    expect(nondeterministicOutputs(prog)).toEqual(new Map([['noisy', 'random_uniform'], ['picked', 'random_normal']]));
  });
});
