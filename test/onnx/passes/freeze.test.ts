import { describe, expect, it } from 'vitest';
import { ModelInputError } from '../../../src/errors.js';
import { freezeInputs } from '../../../src/onnx/passes/freeze.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { model, valueInfo } from '../../helpers/onnx-graph.js';

describe('freezeInputs', () => {
  const m = model({
    nodes: [],
    inputs: [valueInfo('x', 'float32', ['n', 2]), valueInfo('flag', 'bool', [])],
    outputs: [valueInfo('x', 'float32', ['n', 2])],
  });

  it('moves a frozen input into the initializers', () => {
    const frozen = freezeInputs(m, { flag: makeTensor('bool', [], Uint8Array.from([1])) });
    expect(frozen.graph.inputs.map((i) => i.name)).toEqual(['x']);
    expect(frozen.graph.initializers.has('flag')).toBe(true);
    expect(m.graph.inputs).toHaveLength(2);
  });

  it('accepts any size for a symbolic dimension', () => {
    const frozen = freezeInputs(m, { x: makeTensor('float32', [3, 2]) });
    expect(frozen.graph.initializers.get('x')!.shape).toEqual([3, 2]);
  });

  it('rejects an unknown input name, listing the inputs', () => {
    expect(() => freezeInputs(m, { y: makeTensor('float32', [1]) })).toThrowError(/no input of that name \(inputs: x, flag\)/);
  });

  it('rejects a value of the wrong dtype or shape', () => {
    expect(() => freezeInputs(m, { flag: makeTensor('float32', []) })).toThrowError(ModelInputError);
    expect(() => freezeInputs(m, { x: makeTensor('float32', [3, 3]) })).toThrowError(/does not accept \[3, 3\]/);
  });
});
