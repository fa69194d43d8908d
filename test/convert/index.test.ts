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

describe('convertOnnxModel on a PyTorch-style shape chain', () => {
  const i64 = (values: number[], shape = [values.length]) => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));

  function flattenChain() {
    // x:[2,3,4] → Shape → Gather(0) → Unsqueeze → Concat([-1]) → Reshape: what torch.flatten(x, 1) exports.
    return model({
      opset: 13,
      nodes: [
        node('Shape', ['x'], ['shape']),
        node('Gather', ['shape', 'zero'], ['batch'], { axis: 0 }),
        node('Unsqueeze', ['batch', 'axes0'], ['batch1']),
        node('Concat', ['batch1', 'minus1'], ['target'], { axis: 0 }),
        node('Reshape', ['x', 'target'], ['y']),
      ],
      inputs: [valueInfo('x', 'float32', [2, 3, 4])],
      outputs: [valueInfo('y', 'float32', [2, 12])],
      initializers: { zero: i64([0], []), axes0: i64([0]), minus1: i64([-1]) },
    });
  }

  it('folds the chain into a static reshape with no shape op', () => {
    const r = convertOnnxModel(flattenChain(), { target: 'iOS15', precision: 'fp32' });
    const ops = mainFunction(r.model.program).block.operations;
    expect(ops.map((o) => o.type).filter((t) => t !== 'const')).toEqual(['reshape']);
    const reshape = ops.find((o) => o.type === 'reshape')!;
    const shapeConst = ops.find((o) => o.outputs[0]!.name === (reshape.inputs['shape']![0] as { name: string }).name)!;
    expect(Array.from(shapeConst.attributes['val']!.data as Int32Array)).toEqual([2, 12]);
    expect(reshape.outputs[0]!.name).toBe('y');
    expect(r.model.outputs[0]!.type.shape).toEqual([2, 12]);
  });

  it('counts ONNX ops of the model as given and MIL ops of the program', () => {
    const r = convertOnnxModel(flattenChain(), { target: 'iOS15', precision: 'fp32' });
    expect(r.onnxOps).toEqual({ Shape: 1, Gather: 1, Unsqueeze: 1, Concat: 1, Reshape: 1 });
    expect(r.milOps['reshape']).toBe(1);
    expect(r.milOps['shape']).toBeUndefined();
  });

  it('reports progress once per converted node', () => {
    const calls: [number, number][] = [];
    convertOnnxModel(flattenChain(), { target: 'iOS15', precision: 'fp32', onProgress: (d, t) => calls.push([d, t]) });
    expect(calls).toEqual([[1, 1]]);
  });

  it('keeps a shape op when the input has a symbolic dimension, and warns about the declared range', () => {
    const m = flattenChain();
    m.graph.inputs = [valueInfo('x', 'float32', ['batch', 3, 4])];
    m.graph.outputs = [valueInfo('y', 'float32', ['batch', 12])];
    const r = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(r.milOps['shape']).toBeGreaterThanOrEqual(1);
    expect(r.model.inputs[0]!.type.shapeRange).toEqual([[1, 1024], [3, 3], [4, 4]]);
    expect(r.warnings.some((w) => w.includes('symbolic'))).toBe(true);
  });

  it('freezes a named input so the graph depending on it folds away', () => {
    const m = model({
      nodes: [node('Add', ['x', 'bias'], ['y'])],
      inputs: [valueInfo('x', 'float32', [2]), valueInfo('bias', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
    });
    const r = convertOnnxModel(m, {
      target: 'iOS15',
      precision: 'fp32',
      freeze: { x: makeTensor('float32', [2], Float32Array.from([1, 2])), bias: makeTensor('float32', [2], Float32Array.from([10, 20])) },
    });
    expect(r.model.inputs).toEqual([]);
    const ops = mainFunction(r.model.program).block.operations;
    const c = ops.find((o) => o.type === 'const')!;
    expect(Array.from(c.attributes['val']!.data as Float32Array)).toEqual([11, 22]);
  });
});

describe('convertOnnxModel precision', () => {
  it('keeps fp32 model I/O when computing in fp16', () => {
    const m = model({
      nodes: [node('Transpose', ['x'], ['y'], { perm: [1, 0] })],
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [3, 2])],
    });
    const r = convertOnnxModel(m, { target: 'iOS16', precision: 'fp16' });
    expect(r.model.inputs[0]!.type.dtype).toBe('float32');
    expect(r.model.outputs[0]!.type.dtype).toBe('float32');
    expect(r.milOps['cast']).toBeGreaterThanOrEqual(2);
    expect(r.model.outputs[0]!.name).toBe('y');
  });
});

describe('convertOnnxModel refusals found while converting', () => {
  it('lists every node a converter refuses in one error, skipping nodes that depend on them', () => {
    const i64 = (v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));
    const m = model({
      nodes: [
        node('Slice', ['x', 'start', 'end'], ['a']),
        node('Transpose', ['a'], ['b']),
        node('Squeeze', ['x', 'axes'], ['c']),
      ],
      inputs: [valueInfo('x', 'float32', [4, 1]), valueInfo('start', 'int64', [null]), valueInfo('axes', 'int64', [null])],
      outputs: [valueInfo('b', 'float32', [1, null]), valueInfo('c', 'float32', [4])],
      initializers: { end: i64([3]) },
    });
    let caught: unknown;
    try {
      convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConversionError);
    expect((caught as ConversionError).unsupported.map((u) => [u.op, u.node])).toEqual([
      ['Slice', 'Slice_a'],
      ['Squeeze', 'Squeeze_c'],
    ]);
  });
});
