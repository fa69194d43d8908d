import { describe, expect, it } from 'vitest';
import { outputHeadWeights } from '../../src/compress/head.js';
import type { MilBlock, MilOperation } from '../../src/mil/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';

function constOp(name: string): MilOperation {
  const val = makeTensor('float16', [4, 4], new Uint16Array(16));
  return { type: 'const', name, inputs: {}, outputs: [{ name, type: { dtype: 'float16', shape: [4, 4] } }], attributes: { val }, blocks: [] };
}

function op(type: string, name: string, inputs: Record<string, string>): MilOperation {
  const bindings: MilOperation['inputs'] = {};
  for (const [k, v] of Object.entries(inputs)) bindings[k] = [{ kind: 'name', name: v }];
  return { type, name, inputs: bindings, outputs: [{ name, type: { dtype: 'float16', shape: [1, 4] } }], attributes: {}, blocks: [] };
}

describe('output head', () => {
  it('is the weight of the last weighted layer before the output, through activations and reshapes', () => {
    const block: MilBlock = {
      inputs: [],
      operations: [
        constOp('w1'),
        constOp('w2'),
        constOp('b2'),
        op('linear', 'h1', { x: 'x', weight: 'w1' }),
        op('relu', 'a1', { x: 'h1' }),
        op('linear', 'h2', { x: 'a1', weight: 'w2', bias: 'b2' }),
        op('softmax', 'p', { x: 'h2' }),
        op('cast', 'y', { x: 'p' }),
      ],
      outputs: ['y'],
    };
    expect(outputHeadWeights(block)).toEqual(new Set(['w2', 'b2']));
  });

  it('takes the last weighted layer of every branch that reaches an output', () => {
    const block: MilBlock = {
      inputs: [],
      operations: [
        constOp('wa'),
        constOp('wb'),
        constOp('wc'),
        op('conv', 'c0', { x: 'x', weight: 'wc' }),
        op('matmul', 'a', { x: 'c0', y: 'wa' }),
        op('matmul', 'b', { x: 'c0', y: 'wb' }),
        op('add', 'y', { x: 'a', y: 'b' }),
      ],
      outputs: ['y'],
    };
    expect(outputHeadWeights(block)).toEqual(new Set(['wa', 'wb']));
  });

  it('is empty when no weighted layer feeds an output', () => {
    const block: MilBlock = { inputs: [], operations: [op('relu', 'y', { x: 'x' })], outputs: ['y'] };
    expect(outputHeadWeights(block).size).toBe(0);
  });
});
