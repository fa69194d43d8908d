import { describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { ONNX_STORABLE_DTYPES } from '../../src/onnx/data-type.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { allocStorage, type DType } from '../../src/tensor/dtype.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

function roundTrip(m: OnnxModel): OnnxModel {
  return decodeOnnxModel(Buffer.from(encodeOnnxModel(m)), { path: 'roundtrip.onnx' });
}

/** A [2, 3] tensor of `dtype` whose values differ element to element and stay in range for the type. */
function patternTensor(dtype: DType): Tensor {
  const data = allocStorage(dtype, 6);
  for (let i = 0; i < 6; i++) {
    if (dtype === 'string') (data as string[])[i] = `s${i}`;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(i * 3);
    else if (dtype === 'bool' || dtype === 'uint2') (data as Uint8Array)[i] = i % 2;
    else (data as Exclude<typeof data, string[] | BigInt64Array | BigUint64Array>)[i] = dtype === 'int4' ? i - 3 : i + 1;
  }
  return makeTensor(dtype, [2, 3], data as never);
}

describe('encodeOnnxModel', () => {
  it('round-trips an initializer of every dtype ONNX can store', () => {
    const initializers = Object.fromEntries(ONNX_STORABLE_DTYPES.map((d) => [`w_${d}`, patternTensor(d)]));
    const m = model({ nodes: [node('Identity', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [1])], outputs: [valueInfo('y', 'float32', [1])], initializers });
    const back = roundTrip(m).graph.initializers;
    expect([...back.keys()].sort()).toEqual(Object.keys(initializers).sort());
    for (const [name, tensor] of Object.entries(initializers)) {
      const got = back.get(name)!;
      expect(got.dtype, name).toBe(tensor.dtype);
      expect(got.shape, name).toEqual([2, 3]);
      expect(Array.from(got.data as ArrayLike<unknown>), name).toEqual(Array.from(tensor.data as ArrayLike<unknown>));
    }
  });

  it('round-trips graph structure, value types with symbolic dims, metadata, opsets and functions', () => {
    const m: OnnxModel = {
      ...model({
        nodes: [node('Gemm', ['x', 'w'], ['h'], { alpha: 0.5, transB: 1 }, ['alpha']), { ...node('Relu', ['h'], ['y']), docString: 'activation' }],
        inputs: [valueInfo('x', 'float32', ['batch', 4]), valueInfo('mask', 'bool', [null, 4])],
        outputs: [valueInfo('y', 'float32', ['batch', 2])],
        initializers: { w: makeTensor('float32', [2, 4]) },
        opset: 18,
      }),
      docString: 'a model',
      metadata: new Map([['license', 'MIT']]),
      functions: [
        {
          name: 'Twice',
          domain: 'local',
          inputs: ['a'],
          outputs: ['b'],
          attributes: ['k'],
          attributeDefaults: new Map([['bias', { type: 'floats', value: [1, 2] }]]),
          nodes: [{ name: 'add', opType: 'Add', domain: '', inputs: ['a', 'a'], outputs: ['b'], attributes: new Map(), attributeRefs: new Map([['k', 'k']]) }],
          opsetImports: new Map([['', 18]]),
        },
      ],
    };
    m.graph.valueInfo.set('h', valueInfo('h', 'float32', ['batch', 2]));
    const back = roundTrip(m);
    expect(back.graph.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs])).toEqual(m.graph.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs]));
    expect(back.graph.nodes[0]!.attributes).toEqual(new Map([['alpha', { type: 'float', value: 0.5 }], ['transB', { type: 'int', value: 1 }]]));
    expect(back.graph.nodes[1]!.docString).toBe('activation');
    expect(back.graph.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([['x', 'float32', ['batch', 4]], ['mask', 'bool', [null, 4]]]);
    expect(back.graph.valueInfo.get('h')?.shape).toEqual(['batch', 2]);
    expect([...back.opsetImports]).toEqual([['', 18]]);
    expect(back.docString).toBe('a model');
    expect(back.metadata.get('license')).toBe('MIT');
    expect(back.irVersion).toBe(8);
    const fn = back.functions[0]!;
    expect(fn.attributeDefaults?.get('bias')).toEqual({ type: 'floats', value: [1, 2] });
    expect(fn.nodes[0]!.attributeRefs?.get('k')).toBe('k');
  });

  it('writes INT64_MAX-sized int attributes clamped to int64 instead of wrapping negative', () => {
    const m = model({ nodes: [node('Slice', ['x'], ['y'], { ends: [Number.MAX_VALUE, 2 ** 63] })], inputs: [], outputs: [] });
    const ends = roundTrip(m).graph.nodes[0]!.attributes.get('ends');
    expect(ends?.type).toBe('ints');
    expect(ends?.type === 'ints' && ends.value.every((v) => v > 2 ** 62)).toBe(true);
  });

  it('refuses a dtype ONNX cannot store', () => {
    const m = model({ nodes: [], inputs: [], outputs: [], initializers: { w: makeTensor('uint6', [1]) } });
    expect(() => encodeOnnxModel(m)).toThrow(/ONNX cannot store element type uint6/);
  });
});
