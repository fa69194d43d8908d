import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { onnx } from '../../src/gen/onnx.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { defaultOpset, type OnnxAttributeValue } from '../../src/onnx/ir.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/onnx/', import.meta.url));

interface FixtureFacts {
  opset: number;
  nodes: number;
  initializers: number;
  input: number[];
  output: number[];
  ops: string[];
}

const FIXTURES: Record<string, FixtureFacts> = {
  seed_simple_cnn: { opset: 13, nodes: 5, initializers: 4, input: [1, 3, 32, 32], output: [1, 10], ops: ['Conv', 'Flatten', 'Gemm', 'MaxPool', 'Relu'] },
  seed_custom_activation: { opset: 13, nodes: 4, initializers: 2, input: [4, 10], output: [4, 2], ops: ['Gemm', 'Mul', 'Sigmoid', 'Tanh'] },
  tiny_convnet: {
    opset: 17, nodes: 18, initializers: 10, input: [1, 3, 64, 64], output: [1, 100],
    ops: ['AveragePool', 'Clip', 'Constant', 'Conv', 'Flatten', 'Gemm', 'GlobalAveragePool', 'HardSwish', 'Mul', 'Pad', 'Relu', 'Sigmoid', 'Softmax'],
  },
  tiny_transformer: {
    opset: 17, nodes: 67, initializers: 13, input: [1, 8, 16], output: [1, 8, 8],
    ops: ['Add', 'Constant', 'Div', 'Erf', 'Gather', 'Gemm', 'Identity', 'LayerNormalization', 'MatMul', 'Mul', 'Reshape', 'Shape', 'Slice', 'Softmax', 'Transpose'],
  },
  tiny_unet: {
    opset: 13, nodes: 17, initializers: 8, input: [1, 1, 32, 32], output: [1, 1, 32, 32],
    ops: ['Add', 'Concat', 'Constant', 'Conv', 'ConvTranspose', 'MaxPool', 'Relu', 'Resize', 'Sigmoid', 'Slice'],
  },
  tiny_lstm: {
    opset: 13, nodes: 26, initializers: 5, input: [1, 10, 8], output: [1, 10, 3],
    ops: ['Add', 'Concat', 'Constant', 'Expand', 'Gather', 'LSTM', 'MatMul', 'Shape', 'Squeeze', 'Transpose', 'Unsqueeze'],
  },
};

describe('loadOnnxModel on the PyTorch-exported fixtures', () => {
  it.each(Object.entries(FIXTURES))('decodes %s with its ops, shapes and initializers', async (name, facts) => {
    const m = await loadOnnxModel(join(fixtures, name, 'model.onnx'));
    expect(defaultOpset(m)).toBe(facts.opset);
    expect(m.producerName).toBe('pytorch');
    expect(m.graph.nodes).toHaveLength(facts.nodes);
    expect([...new Set(m.graph.nodes.map((n) => n.opType))].sort()).toEqual(facts.ops);
    expect(m.graph.initializers.size).toBe(facts.initializers);
    expect(m.graph.inputs).toEqual([{ name: 'input_0', kind: 'tensor', typeName: 'tensor(float)', dtype: 'float32', shape: facts.input }]);
    expect(m.graph.outputs.map((o) => [o.name, o.dtype, o.shape])).toEqual([['output_0', 'float32', facts.output]]);
    expect(new Set(m.graph.nodes.map((n) => n.name)).size).toBe(m.graph.nodes.length);
    expect(m.sourcePath).toBe(join(fixtures, name, 'model.onnx'));
  });

  it('decodes Conv attributes and weights of seed_simple_cnn as typed values', async () => {
    const m = await loadOnnxModel(join(fixtures, 'seed_simple_cnn', 'model.onnx'));
    const conv = m.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.attributes.get('kernel_shape')).toEqual({ type: 'ints', value: [3, 3] });
    const weight = m.graph.initializers.get(conv.inputs[1]!)!;
    expect(weight.dtype).toBe('float32');
    expect(weight.data).toBeInstanceOf(Float32Array);
    expect(weight.data.length).toBe(weight.shape.reduce((a, b) => a * b, 1));
  });
});

function decodeBytes(bytes: Uint8Array) {
  return decodeOnnxModel(Buffer.from(bytes), { path: 'built.onnx' });
}

describe('decodeOnnxModel graph details', () => {
  it('fills empty node names with unique <OpType>_<index>', () => {
    const a = { ...node('Relu', ['x'], ['a']), name: '' };
    const b = { ...node('Relu', ['a'], ['b']), name: 'Relu_2' };
    const c = { ...node('Relu', ['b'], ['y']), name: '' };
    const m = decodeBytes(encodeOnnxModel(model({ nodes: [a, b, c], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] })));
    expect(m.graph.nodes.map((n) => n.name)).toEqual(['Relu_0', 'Relu_2', 'Relu_2_1']);
  });

  it('leaves graph inputs that are initializers out of the model inputs', () => {
    const proto = onnx.ModelProto.encode({
      irVersion: 3,
      opsetImport: [{ domain: '', version: 9 }],
      graph: {
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
        input: [{ name: 'x' }, { name: 'w' }],
        output: [{ name: 'y' }],
        initializer: [{ name: 'w', dataType: 1, dims: [1], floatData: [2] }],
      },
    }).finish();
    const m = decodeBytes(proto);
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['x']);
    expect(m.graph.initializers.has('w')).toBe(true);
  });

  it('reads every attribute type, including nested subgraphs', () => {
    const body = model({ nodes: [node('Identity', ['x'], ['z'])], inputs: [], outputs: [valueInfo('z', 'float32', [1])] }).graph;
    const attrs: Record<string, OnnxAttributeValue> = {
      f: { type: 'float', value: 0.5 },
      i: { type: 'int', value: -7 },
      s: { type: 'string', value: 'héllo' },
      t: { type: 'tensor', value: makeTensor('int64', [2], BigInt64Array.of(1n, -2n)) },
      g: { type: 'graph', value: body },
      fs: { type: 'floats', value: [1.5, -2] },
      is: { type: 'ints', value: [1, 2, 3] },
      ss: { type: 'strings', value: ['a', 'b'] },
      ts: { type: 'tensors', value: [makeTensor('float32', [1], Float32Array.of(3))] },
      gs: { type: 'graphs', value: [body, body] },
    };
    const n = node('Custom', ['x'], ['y'], attrs);
    const m = decodeBytes(encodeOnnxModel(model({ nodes: [n], inputs: [valueInfo('x', 'float32', [1])], outputs: [valueInfo('y', 'float32', [1])] })));
    const got = m.graph.nodes[0]!.attributes;
    expect(got.get('f')).toEqual(attrs['f']);
    expect(got.get('i')).toEqual(attrs['i']);
    expect(got.get('s')).toEqual(attrs['s']);
    expect(got.get('fs')).toEqual(attrs['fs']);
    expect(got.get('is')).toEqual(attrs['is']);
    expect(got.get('ss')).toEqual(attrs['ss']);
    const t = got.get('t');
    expect(t?.type === 'tensor' && Array.from(t.value.data as BigInt64Array)).toEqual([1n, -2n]);
    const ts = got.get('ts');
    expect(ts?.type === 'tensors' && Array.from(ts.value[0]!.data as Float32Array)).toEqual([3]);
    const g = got.get('g');
    expect(g?.type === 'graph' && g.value.nodes[0]!.opType).toBe('Identity');
    const gs = got.get('gs');
    expect(gs?.type === 'graphs' && gs.value.length).toBe(2);
  });

  it('keeps INT64_MAX attribute sentinels far beyond any size instead of wrapping them', () => {
    const proto = onnx.ModelProto.encode({
      irVersion: 8,
      graph: { node: [{ opType: 'Slice', attribute: [{ name: 'ends', type: 7, ints: ['9223372036854775807' as unknown as number] }] }] },
    }).finish();
    const ends = decodeBytes(proto).graph.nodes[0]!.attributes.get('ends');
    expect(ends?.type === 'ints' && ends.value[0]!).toBeGreaterThan(2 ** 62);
  });

  it('infers attribute types from the present field in IR version 1 files', () => {
    const proto = onnx.ModelProto.encode({ irVersion: 1, graph: { node: [{ opType: 'LeakyRelu', attribute: [{ name: 'alpha', f: 0.25 }] }] } }).finish();
    expect(decodeBytes(proto).graph.nodes[0]!.attributes.get('alpha')).toEqual({ type: 'float', value: 0.25 });
  });

  it('reads value_info, symbolic and unknown dims, non-tensor kinds, metadata, doc strings and opsets', () => {
    const proto = onnx.ModelProto.encode({
      irVersion: 9,
      docString: 'model doc',
      opsetImport: [{ domain: '', version: 18 }, { domain: 'com.microsoft', version: 1 }],
      metadataProps: [{ key: 'author', value: 'me' }],
      graph: {
        name: 'g',
        docString: 'graph doc',
        node: [{ opType: 'Relu', input: ['x'], output: ['h'], docString: 'node doc' }],
        input: [{ name: 'x', docString: 'x doc', type: { tensorType: { elemType: 10, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, {}] } } } }],
        output: [{ name: 's', type: { sequenceType: { elemType: { tensorType: { elemType: 7 } } } } }],
        valueInfo: [{ name: 'h', type: { tensorType: { elemType: 17 } } }],
      },
    }).finish();
    const m = decodeBytes(proto);
    expect(m.docString).toBe('model doc');
    expect([...m.opsetImports]).toEqual([['', 18], ['com.microsoft', 1]]);
    expect([...m.metadata]).toEqual([['author', 'me']]);
    expect(m.graph.docString).toBe('graph doc');
    expect(m.graph.nodes[0]!.docString).toBe('node doc');
    expect(m.graph.inputs[0]).toEqual({ name: 'x', kind: 'tensor', typeName: 'tensor(float16)', dtype: 'float16', shape: ['N', 3, null], docString: 'x doc' });
    expect(m.graph.outputs[0]).toEqual({ name: 's', kind: 'sequence', typeName: 'seq(tensor(int64))' });
    expect(m.graph.valueInfo.get('h')).toEqual({ name: 'h', kind: 'tensor', typeName: 'tensor(float8e4m3fn)' });
  });

  it('reads local functions with attribute references and defaults', () => {
    const proto = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
      graph: { node: [{ opType: 'Scaled', domain: 'local', input: ['x'], output: ['y'] }] },
      functions: [
        {
          name: 'Scaled',
          domain: 'local',
          input: ['a'],
          output: ['b'],
          attribute: ['alpha'],
          attributeProto: [{ name: 'beta', type: 1, f: 2 }],
          opsetImport: [{ domain: '', version: 17 }],
          node: [{ opType: 'LeakyRelu', input: ['a'], output: ['b'], attribute: [{ name: 'alpha', refAttrName: 'alpha', type: 1 }] }],
        },
      ],
    }).finish();
    const fn = decodeBytes(proto).functions[0]!;
    expect(fn).toMatchObject({ name: 'Scaled', domain: 'local', inputs: ['a'], outputs: ['b'], attributes: ['alpha'] });
    expect(fn.attributeDefaults?.get('beta')).toEqual({ type: 'float', value: 2 });
    expect(fn.nodes[0]!.attributeRefs?.get('alpha')).toBe('alpha');
    expect(fn.nodes[0]!.name).toBe('LeakyRelu_0');
    expect([...fn.opsetImports]).toEqual([['', 17]]);
  });

  it('decoding keeps aligned raw_data initializers as views into the bytes and copies only misaligned ones', () => {
    const path = join(fixtures, 'tiny_transformer', 'model.onnx');
    const m = decodeOnnxModel(readFileSync(path), { path });
    const arrays = [...m.graph.initializers.values()].map((t) => t.data as Float32Array).filter((d) => d.length > 0);
    const fileBuffer = arrays.map((d) => d.buffer).find((b) => arrays.filter((d) => d.buffer === b).length > 1);
    expect(fileBuffer).toBeDefined();
    for (const d of arrays) {
      if (d.buffer === fileBuffer) expect(d.byteOffset % d.BYTES_PER_ELEMENT).toBe(0);
      else expect(d.buffer.byteLength).toBe(d.byteLength);
    }
  });

  it('loading a file gives every initializer an array of its own, so the file\'s bytes are not kept', async () => {
    const path = join(fixtures, 'tiny_transformer', 'model.onnx');
    const m = await loadOnnxModel(path);
    const arrays = [...m.graph.initializers.values()].map((t) => t.data as Float32Array).filter((d) => d.length > 0);
    expect(arrays.length).toBeGreaterThan(1);
    for (const d of arrays) expect(d.buffer.byteLength).toBe(d.byteLength);
    const viewed = decodeOnnxModel(readFileSync(path), { path });
    expect([...m.graph.initializers.keys()]).toEqual([...viewed.graph.initializers.keys()]);
    for (const [name, t] of m.graph.initializers) expect(t.data).toEqual(viewed.graph.initializers.get(name)!.data);
  });

});
