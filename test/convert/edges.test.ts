import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../src/convert/index.js';
import { ConversionError, ModelInputError } from '../../src/errors.js';
import { mainFunction } from '../../src/mil/ir.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

function ops(r: ReturnType<typeof convertOnnxModel>): string[] {
  return mainFunction(r.model.program).block.operations.filter((o) => o.type !== 'const').map((o) => o.type);
}

describe('model inputs and outputs', () => {
  it('describes a scalar input as [1] and squeezes it inside', () => {
    const m = model({ nodes: [node('Identity', ['s'], ['y'])], inputs: [valueInfo('s', 'float32', [])], outputs: [valueInfo('y', 'float32', [])] });
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(r.model.inputs[0]!.type.shape).toEqual([1]);
    expect(r.model.outputs[0]!.type.shape).toEqual([1]);
    expect(ops(r)).toEqual(['squeeze', 'expand_dims']);
  });

  it('takes bool inputs as int32 and returns bool outputs as int32', () => {
    const m = model({ nodes: [node('Identity', ['b'], ['y'])], inputs: [valueInfo('b', 'bool', [2])], outputs: [valueInfo('y', 'bool', [2])] });
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(r.model.inputs[0]!.type.dtype).toBe('int32');
    expect(r.model.outputs[0]!.type.dtype).toBe('int32');
    expect(ops(r)).toEqual(['cast', 'cast']);
  });

  it('describes float64 inputs as fp32', () => {
    const m = model({ nodes: [], inputs: [valueInfo('d', 'float64', [3])], outputs: [valueInfo('d', 'float64', [3])] });
    expect(convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' }).model.inputs[0]!.type.dtype).toBe('float32');
  });

  it('refuses string inputs and inputs of rank above 5, naming them', () => {
    const strings = model({ nodes: [], inputs: [valueInfo('t', 'string', [1])], outputs: [valueInfo('t', 'string', [1])] });
    expect(() => convertOnnxModel(strings, { target: 'iOS15', precision: 'fp32' })).toThrowError(/input "t" has type string/);
    const deep = model({ nodes: [], inputs: [valueInfo('x', 'float32', [1, 1, 1, 1, 1, 1])], outputs: [valueInfo('x', 'float32', [1, 1, 1, 1, 1, 1])] });
    expect(() => convertOnnxModel(deep, { target: 'iOS15', precision: 'fp32' })).toThrowError(ConversionError);
  });

  it('refuses sequence inputs', () => {
    const m = model({ nodes: [], inputs: [{ name: 'seq', kind: 'sequence', typeName: 'seq(tensor(float))' }], outputs: [valueInfo('y', 'float32', [1])] });
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrowError(/is a seq\(tensor\(float\)\)/);
  });

  it('gives the same value returned twice its own identity per output', () => {
    const m = model({
      nodes: [node('Transpose', ['x'], ['t'])],
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('t', 'float32', [3, 2])],
    });
    m.graph.outputs.push(valueInfo('t', 'float32', [3, 2]));
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const fn = mainFunction(r.model.program);
    expect(new Set(fn.block.outputs).size).toBe(2);
    expect(ops(r)).toEqual(['transpose', 'identity']);
  });

  it('refuses a malformed node with a typed error naming it', () => {
    const m = model({
      nodes: [node('Transpose', ['x'], ['y'], { perm: [0, 0] })],
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [2, 2])],
    });
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrowError(ModelInputError);
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrowError(/Transpose_y.*repeat an axis/);
  });
});
