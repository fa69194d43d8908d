import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxFunction, OnnxModel } from '../../../src/onnx/ir.js';
import { inlineConstantIfs, inlineFunctions } from '../../../src/onnx/passes/inline.js';
import { outerReads } from '../../../src/onnx/passes/topo.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

/** custom.ScaledAdd(a, b) = LeakyRelu(a + b, alpha), alpha an attribute reference with a default of 0.5. */
function scaledAdd(): OnnxFunction {
  const leaky = node('LeakyRelu', ['sum'], ['out']);
  leaky.attributeRefs = new Map([['alpha', 'alpha']]);
  return {
    name: 'ScaledAdd', domain: 'custom', inputs: ['a', 'b'], outputs: ['out'], attributes: ['alpha'],
    attributeDefaults: new Map([['alpha', { type: 'float', value: 0.5 }]]),
    nodes: [node('Add', ['a', 'b'], ['sum']), leaky],
    opsetImports: new Map([['', 17]]),
  };
}

function withFunctions(): OnnxModel {
  const first = { ...node('ScaledAdd', ['x', 'y'], ['s1'], { alpha: 0.1 }, ['alpha']), domain: 'custom', name: 'first' };
  const second = { ...node('ScaledAdd', ['s1', 'x'], ['s2']), domain: 'custom', name: 'second' };
  const m = model({
    nodes: [first, second],
    inputs: [valueInfo('x', 'float32', [4]), valueInfo('y', 'float32', [4])],
    outputs: [valueInfo('s2', 'float32', [4])],
  });
  m.opsetImports.set('custom', 1);
  m.functions = [scaledAdd()];
  return m;
}

describe('inlineFunctions', () => {
  it('replaces each call by the body, with inner values renamed per call and attribute references resolved', () => {
    const inlined = inlineFunctions(withFunctions());
    expect(inlined.functions).toEqual([]);
    const nodes = inlined.graph.nodes;
    expect(nodes.map((n) => n.opType)).toEqual(['Add', 'LeakyRelu', 'Add', 'LeakyRelu']);
    expect(nodes.map((n) => n.outputs[0])).toEqual(['first/sum', 's1', 'second/sum', 's2']);
    expect(nodes[1]!.attributes.get('alpha')).toEqual({ type: 'float', value: 0.1 });
    // The second call gives no alpha: the function's default applies.
    expect(nodes[3]!.attributes.get('alpha')).toEqual({ type: 'float', value: 0.5 });
  });

  it('converts a model that uses local functions and agrees with onnxruntime', async () => {
    const m = withFunctions();
    const x = Float32Array.from([-2, -0.5, 0.5, 2]);
    const y = Float32Array.from([1, -1, 0.25, -3]);
    const session = await ort.InferenceSession.create(encodeOnnxModel(m));
    const expected = await session.run({ x: new ort.Tensor('float32', x, [4]), y: new ort.Tensor('float32', y, [4]) });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const out = runModel(converted.model, { x: makeTensor('float32', [4], x), y: makeTensor('float32', [4], y) });
    const got = toNumberList(out[converted.model.outputs[0]!.name]!);
    Array.from(expected.s2!.data as Float32Array).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });

  it('inlines calls inside If branches too', () => {
    const call = { ...node('ScaledAdd', ['x', 'x'], ['r']), domain: 'custom', name: 'inner' };
    const then = { name: 'then', nodes: [call], inputs: [], outputs: [valueInfo('r', 'float32', [4])], initializers: new Map(), valueInfo: new Map() };
    const m = model({
      nodes: [node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: then }, else_branch: { type: 'graph', value: then } })],
      inputs: [valueInfo('x', 'float32', [4]), valueInfo('c', 'bool', [])],
      outputs: [valueInfo('y', 'float32', [4])],
    });
    m.functions = [scaledAdd()];
    const branch = inlineFunctions(m).graph.nodes[0]!.attributes.get('then_branch');
    expect(branch?.type === 'graph' && branch.value.nodes.map((n) => n.opType)).toEqual(['Add', 'LeakyRelu']);
  });

  it('refuses functions that call themselves', () => {
    const self = { ...node('Loopy', ['a'], ['out']), domain: 'custom' };
    const fn: OnnxFunction = { name: 'Loopy', domain: 'custom', inputs: ['a'], outputs: ['out'], attributes: [], nodes: [self], opsetImports: new Map() };
    const m = model({ nodes: [{ ...node('Loopy', ['x'], ['y']), domain: 'custom' }], inputs: [valueInfo('x', 'float32', [1])], outputs: [valueInfo('y', 'float32', [1])] });
    m.functions = [fn];
    expect(() => inlineFunctions(m)).toThrow(/recursion/);
  });

  it('leaves a model without functions untouched', () => {
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] });
    expect(inlineFunctions(m)).toBe(m);
  });
});

describe('inlineConstantIfs', () => {
  it('inlines the taken branch with its initializers renamed, and keeps an If whose condition is not constant', () => {
    const branch = (op: string) => ({
      name: op, nodes: [node(op, ['x', 'k'], ['r'])], inputs: [], outputs: [valueInfo('r', 'float32', [2])],
      initializers: new Map([['k', makeTensor('float32', [1], Float32Array.from([3]))]]), valueInfo: new Map(),
    });
    const ifNode = { ...node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: branch('Add') }, else_branch: { type: 'graph', value: branch('Sub') } }), name: 'choose' };
    const base = model({ nodes: [ifNode], inputs: [valueInfo('x', 'float32', [2]), valueInfo('c', 'bool', [])], outputs: [valueInfo('y', 'float32', [2])] });
    expect(inlineConstantIfs(base)).toBe(base);
    const decided = { ...base, graph: { ...base.graph, initializers: new Map([['c', makeTensor('bool', [], Uint8Array.from([0]))]]) } };
    const inlined = inlineConstantIfs(decided);
    expect(inlined.graph.nodes.map((n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`)).toEqual([
      'Sub(x,choose/k)->choose/r',
      'Identity(choose/r)->y',
    ]);
    expect(inlined.graph.initializers.has('choose/k')).toBe(true);
  });
});

describe('outerReads', () => {
  it('includes the values only a nested subgraph reads, not the values the subgraph defines itself', () => {
    const inner = { name: 'inner', nodes: [node('Mul', ['own', 'far'], ['deep'])], inputs: [], outputs: [valueInfo('deep', 'float32', [1])], initializers: new Map(), valueInfo: new Map() };
    const branch = {
      name: 'branch',
      nodes: [node('Relu', ['near'], ['own']), node('If', ['c'], ['picked'], { then_branch: { type: 'graph', value: inner }, else_branch: { type: 'graph', value: inner } })],
      inputs: [], outputs: [valueInfo('picked', 'float32', [1])], initializers: new Map(), valueInfo: new Map(),
    };
    expect(outerReads(branch).sort()).toEqual(['c', 'far', 'near']);
  });
});
