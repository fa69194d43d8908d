import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../src/convert/index.js';
import { ConversionError } from '../../src/errors.js';
import { mainFunction } from '../../src/mil/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

function opTypes(result: ReturnType<typeof convertOnnxModel>): string[] {
  return mainFunction(result.model.program).block.operations.map((op) => op.type);
}

describe('convertOnnxModel edges', () => {
  it('gives an output that is directly an input its own identity op named after the output', () => {
    const m = model({ nodes: [], inputs: [valueInfo('x', 'float32', [2, 3])], outputs: [valueInfo('x', 'float32', [2, 3])] });
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const fn = mainFunction(r.model.program);
    expect(opTypes(r)).toEqual(['identity']);
    expect(fn.block.outputs).toEqual([r.model.outputs[0]!.name]);
    expect(r.model.outputs[0]!.type).toEqual({ kind: 'multiArray', dtype: 'float32', shape: [2, 3] });
  });

  it('describes int64 inputs as int32 multiarrays', () => {
    const m = model({ nodes: [], inputs: [valueInfo('ids', 'int64', [1, 4])], outputs: [valueInfo('ids', 'int64', [1, 4])] });
    const r = convertOnnxModel(m, { target: 'iOS16', precision: 'fp32' });
    expect(r.model.inputs[0]!.type.dtype).toBe('int32');
    expect(r.model.outputs[0]!.type.dtype).toBe('int32');
    expect(mainFunction(r.model.program).inputs[0]!.type).toEqual({ dtype: 'int32', shape: [1, 4] });
  });

  it('reports renamed inputs and outputs with the names the Core ML model uses', () => {
    const m = model({ nodes: [], inputs: [valueInfo('input.1', 'float32', [3])], outputs: [valueInfo('input.1', 'float32', [3])] });
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(r.model.inputs[0]!.name).toBe('input_1');
    expect(r.renamed['input.1']).toMatch(/^input_1_\d+$/);
    expect(r.model.outputs[0]!.name).toBe(r.renamed['input.1']);
  });

  it('turns a constant output into an identity over a const op with int64 narrowed to int32', () => {
    const m = model({
      nodes: [],
      inputs: [valueInfo('x', 'float32', [1])],
      outputs: [valueInfo('c', 'int64', [2])],
      initializers: { c: makeTensor('int64', [2], BigInt64Array.from([5n, -7n])) },
    });
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const ops = mainFunction(r.model.program).block.operations;
    const constOp = ops.find((op) => op.type === 'const')!;
    expect(Array.from(constOp.attributes['val']!.data as Int32Array)).toEqual([5, -7]);
    expect(ops.map((o) => o.type)).toContain('identity');
  });

  it('rejects an int64 constant outside the int32 range, naming the tensor', () => {
    const m = model({
      nodes: [],
      inputs: [],
      outputs: [valueInfo('big', 'int64', [1])],
      initializers: { big: makeTensor('int64', [1], BigInt64Array.from([1n << 40n])) },
    });
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrowError(/"big".*int32 range/);
  });

  it('gives an unused input an identity so Core ML accepts the program', () => {
    const m = model({
      nodes: [],
      inputs: [valueInfo('x', 'float32', [2]), valueInfo('unused', 'float32', [2])],
      outputs: [valueInfo('x', 'float32', [2])],
    });
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const ops = mainFunction(r.model.program).block.operations;
    expect(ops.some((op) => op.type === 'identity' && op.inputs['x']![0]!.kind === 'name' && (op.inputs['x']![0] as { name: string }).name === 'unused')).toBe(true);
  });

  it('lists every unsupported node of a graph in one error before building anything', () => {
    const m = model({
      nodes: [node('FancyOp', ['x'], ['a']), node('OtherOp', ['a'], ['b']), { ...node('Custom', ['b'], ['y']), domain: 'com.example' }],
      inputs: [valueInfo('x', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
    });
    let caught: unknown;
    try {
      convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConversionError);
    const err = caught as ConversionError;
    expect(err.code).toBe('UNSUPPORTED_OP');
    expect(err.unsupported.map((u) => u.op)).toEqual(['FancyOp', 'OtherOp', 'com.example.Custom']);
    expect(err.unsupported[0]!.node).toBe('FancyOp_a');
  });
});
