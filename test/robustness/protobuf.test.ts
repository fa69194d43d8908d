import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { onnx } from '../../src/gen/onnx.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxGraph, OnnxModel } from '../../src/onnx/ir.js';
import { decodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { makeTempDir } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { expectGoodModelPassed, expectIsolatedTypedError, expectNoLeaks, goodModel, goodModelBytes, resultFor, runWhole, writeGoodModel } from './harness.js';

/** §6 "Protobuf-level attacks", cases 8–13: bytes that attack the decoder rather than the model. */

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  writeGoodModel(temp.dir);
});
afterEach(() => temp.remove());

function decodeError(bytes: Uint8Array, path = 'x.onnx'): ModelInputError {
  try {
    decodeOnnxModel(Buffer.from(bytes), { path });
  } catch (err) {
    if (!(err instanceof ModelInputError)) throw new Error(`expected a ModelInputError, got ${String(err)}`);
    return err;
  }
  throw new Error('decoded without error');
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/**
 * `depth` length-delimited messages, each the only field of its parent, walking the
 * field numbers in `first`, then `cycle` over and over (field numbers with wire type 2). Lengths are computed inside out,
 * then headers written outside in, so building stays linear.
 */
function nestedMessages(first: readonly number[], cycle: readonly number[], depth: number): Uint8Array {
  const headers: number[][] = new Array(depth);
  let inner = 0;
  for (let level = depth - 1; level >= 0; level--) {
    const field = level < first.length ? first[level]! : cycle[(level - first.length) % cycle.length]!;
    const header = [(field << 3) | 2, ...varint(inner)];
    headers[level] = header;
    inner += header.length;
  }
  return Uint8Array.from(headers.flat());
}

/** A model whose output comes from `levels` If nodes, each the then-branch of the one outside it. */
function nestedIfModel(levels: number): OnnxModel {
  const cond = { type: 'tensor' as const, value: { dtype: 'bool' as const, shape: [], data: Uint8Array.of(1) } };
  const leaf: OnnxGraph = {
    name: 'leaf',
    nodes: [node('Identity', ['x'], ['y'])],
    inputs: [],
    outputs: [valueInfo('y', 'float32', [1])],
    initializers: new Map(),
    valueInfo: new Map(),
  };
  // Only the then-branch nests; the else-branch stays a leaf, so the file grows linearly.
  let branch = leaf;
  for (let i = 0; i < levels; i++) {
    const c = { ...node('Constant', [], [`c${i}`], { value: cond.value }) };
    const iff = node('If', [`c${i}`], ['y'], { then_branch: { type: 'graph', value: branch }, else_branch: { type: 'graph', value: leaf } });
    branch = { name: `g${i}`, nodes: [c, iff], inputs: [], outputs: [valueInfo('y', 'float32', [1])], initializers: new Map(), valueInfo: new Map() };
  }
  const m = model({ nodes: branch.nodes, inputs: [valueInfo('x', 'float32', [1])], outputs: [valueInfo('y', 'float32', [1])] });
  return m;
}

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** One length-delimited field. */
function field(fieldNumber: number, payload: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([(fieldNumber << 3) | 2, ...varint(payload.length)]), payload]);
}

/**
 * `levels` nested If graphs as ModelProto bytes, written by hand: protobufjs' own
 * encoder refuses to write messages nested this deep, so the file has to be forged.
 */
function forgedNestedIf(levels: number): Uint8Array {
  let graph: Uint8Array = field(1, Buffer.concat([field(1, ascii('x')), field(2, ascii('y')), field(4, ascii('Identity'))]));
  for (let i = 0; i < levels; i++) {
    // AttributeProto { name = 1, g = 6, type = 20 (GRAPH = 5) }
    const attribute = Buffer.concat([field(1, ascii('then_branch')), field(6, graph), Uint8Array.of(20 << 3, 0x01, 5)]);
    // NodeProto { input = 1, output = 2, op_type = 4, attribute = 5 }
    const ifNode = Buffer.concat([field(1, ascii('c')), field(2, ascii('y')), field(4, ascii('If')), field(5, attribute)]);
    graph = field(1, ifNode); // GraphProto.node
  }
  return Buffer.concat([Uint8Array.of(0x08, 0x08), field(7, graph), field(8, Uint8Array.of(0x10, 17))]);
}

/** Replaces the bytes of an ASCII placeholder (same length, so every length prefix stays right). */
function patchBytes(bytes: Uint8Array, placeholder: string, replacement: readonly number[]): Uint8Array {
  expect(replacement.length).toBe(placeholder.length);
  const out = Buffer.from(bytes);
  const at = out.indexOf(Buffer.from(placeholder, 'latin1'));
  expect(at).toBeGreaterThanOrEqual(0);
  out.set(replacement, at);
  return out;
}

describe('protobuf-level attacks', () => {
  it('case 8: 10,000 nested StartGroup bytes are refused with a depth error, no stack overflow', () => {
    const err = decodeError(new Uint8Array(10_000).fill(0x0b));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/deeper than the decoder allows/);
  });

  it('case 8: 10,000 nested StartGroup bytes inside a known field (graph → unknown field) are refused the same way', () => {
    const groups = new Uint8Array(10_000).fill(0xab); // field 21, StartGroup, inside GraphProto
    const bytes = Uint8Array.from([0x08, 0x08, 0x3a, ...varint(groups.length), ...groups]);
    const err = decodeError(bytes);
    expect(['LIMIT_EXCEEDED', 'TRUNCATED', 'MALFORMED']).toContain(err.code);
    expect(err.message).not.toMatch(/call stack/i);
  });

  it('case 8: 10,000 nested length-delimited messages (graph → node → attribute → graph …) are refused with a depth error', () => {
    // ModelProto.graph = 7, GraphProto.node = 1, NodeProto.attribute = 5, AttributeProto.g = 6.
    const bytes = nestedMessages([7], [1, 5, 6], 10_000);
    const err = decodeError(bytes);
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/deeper than the decoder allows|nests/);
  });

  it('case 8: 10,000 nested sequence types (value_info → TypeProto → sequence → TypeProto …) are refused with a depth error', () => {
    // ModelProto.graph = 7, GraphProto.input = 11, ValueInfoProto.type = 2, TypeProto.sequence_type = 4, Sequence.elem_type = 1.
    const bytes = Uint8Array.from([0x08, 0x08, ...nestedMessages([7, 11, 2], [4, 1], 10_000)]);
    expect(decodeError(bytes).code).toBe('LIMIT_EXCEEDED');
  });

  it('case 9: 200 levels of nested If subgraphs are refused with a depth error within a second, and the other model still passes', async () => {
    writeFileSync(join(temp.dir, 'deep.onnx'), forgedNestedIf(200));
    const started = performance.now();
    const run = await runWhole(temp.dir, ['deep.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'deep.onnx', 'LIMIT_EXCEEDED', /nests/);
    expect(resultFor(run, 'deep.onnx').seconds).toBeLessThan(1);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('case 9: 20 levels of nested If (within protobuf depth) are refused by the subgraph depth limit, naming the limit', () => {
    const err = decodeError(encodeOnnxModel(nestedIfModel(20)));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/nests subgraphs 17 levels deep, above the limit of 16/);
  });

  it('case 10: a varint with 11 continuation bytes is refused, typed', () => {
    const err = decodeError(Uint8Array.from([0x08, ...new Array(11).fill(0xff), 0x01]));
    expect(['MALFORMED', 'TRUNCATED']).toContain(err.code);
  });

  it('case 10: invalid wire types 6 and 7 are refused, naming the wire type', () => {
    for (const tag of [0x0e, 0x0f, 0x7e, 0x7f]) {
      const err = decodeError(Uint8Array.from([...goodModelBytes(), tag, 0x00]));
      expect(err.code).toBe('MALFORMED');
      expect(err.message).toMatch(/invalid wire type [67]/);
    }
  });

  it('case 10: field number 0 is refused as an illegal tag', () => {
    for (const tag of [0x00, 0x02, 0x05]) {
      const err = decodeError(Uint8Array.from([...goodModelBytes(), tag, 0x00, 0x00, 0x00, 0x00]));
      expect(err.code).toBe('MALFORMED');
      expect(err.message).toMatch(/field number 0/);
    }
  });

  it('case 11: 50 MB of packed int64 in a tensor\'s dims is refused by the decoded-value cap before the heap grows by more than ~300 MB', () => {
    const n = 50_000_000;
    const tensor = Buffer.alloc(1 + varint(n).length + n, 1);
    tensor.set([0x0a, ...varint(n)], 0);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    let err: unknown;
    try {
      decodeTensorProto(tensor, 'dims-bomb.pb');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelInputError);
    expect((err as ModelInputError).code).toBe('LIMIT_EXCEEDED');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(300e6);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('case 11: 50 MB of packed int64_data inside a model initializer is refused as a limit, and the other model still passes', async () => {
    const n = 50_000_000;
    // TensorProto { data_type = INT64 (field 2), int64_data = field 7 packed }.
    const tensor = Buffer.concat([Buffer.from([0x10, 0x07, 0x3a, ...varint(n)]), Buffer.alloc(n, 1)]);
    const graph = Buffer.concat([Buffer.from([0x2a, ...varint(tensor.length)]), tensor]); // GraphProto.initializer = 5
    writeFileSync(join(temp.dir, 'int64-bomb.onnx'), Buffer.concat([Buffer.from([0x08, 0x08, 0x3a, ...varint(graph.length)]), graph]));
    const run = await runWhole(temp.dir, ['int64-bomb.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'int64-bomb.onnx', 'LIMIT_EXCEEDED', /values|limit/);
  });

  it('case 11: the decode-work cap still admits real graphs: 100,000 nodes decode within a tenth of the default budget', () => {
    let prev = 'x';
    const nodes = Array.from({ length: 100_000 }, (_, i) => {
      const n = node('LeakyRelu', [prev], [`v${i}`], { alpha: 0.1 }, ['alpha']);
      prev = `v${i}`;
      return n;
    });
    const big = model({ nodes, inputs: [valueInfo('x', 'float32', [1, 8])], outputs: [valueInfo(prev, 'float32', [1, 8])] });
    const decoded = decodeOnnxModel(Buffer.from(encodeOnnxModel(big)), { path: 'big.onnx', limits: { maxDecodeWork: Math.floor(2 ** 27 / 10) } });
    expect(decoded.graph.nodes).toHaveLength(100_000);
  });

  it('case 12: non-UTF-8 and overlong UTF-8 in names and doc_string decode to U+FFFD, never to "/" or "..", and the model still converts', async () => {
    const m = goodModel();
    m.graph.nodes[0]!.name = 'NODE_PLACEHOLDER';
    m.docString = 'DOC_PLACEHOLDER';
    let bytes = encodeOnnxModel(m);
    // C0 AF = overlong "/", E0 80 AE = overlong ".", FF and FE never occur in UTF-8, ED A0 80 = a lone surrogate.
    bytes = patchBytes(bytes, 'NODE_PLACEHOLDER', [0xc0, 0xaf, 0xe0, 0x80, 0xae, 0xe0, 0x80, 0xae, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x41, 0x42, 0x43]);
    bytes = patchBytes(bytes, 'DOC_PLACEHOLDER', [0xc0, 0xae, 0xc0, 0xae, 0xc0, 0xaf, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    const decoded = decodeOnnxModel(Buffer.from(bytes), { path: 'utf8.onnx' });
    const name = decoded.graph.nodes[0]!.name;
    expect(name).not.toMatch(/[/.]/);
    expect(name).toContain('\ufffd');
    expect(name.endsWith('ABC')).toBe(true);
    expect(decoded.docString).not.toMatch(/[/.]/);

    writeFileSync(join(temp.dir, 'utf8.onnx'), bytes);
    const run = await runWhole(temp.dir, ['utf8.onnx', 'good.onnx']);
    expectGoodModelPassed(run, 'utf8.onnx');
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  });

  it('case 12: an external-data location spelled with overlong ".." is not read as a parent folder', () => {
    const t = onnx.TensorProto.create({
      name: 'W',
      dataType: 1,
      dims: [1],
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: 'LOCATION_PLACEHOLDER' }],
    });
    const proto = onnx.ModelProto.decode(goodModelBytes());
    proto.graph!.initializer = [t];
    const bytes = patchBytes(onnx.ModelProto.encode(proto).finish(), 'LOCATION_PLACEHOLDER', [
      0xc0, 0xae, 0xc0, 0xae, 0xc0, 0xaf, 0xc0, 0xae, 0xc0, 0xae, 0xc0, 0xaf, 0x65, 0x74, 0x63, 0x2f, 0x70, 0x61, 0x73, 0x73,
    ]);
    const err = decodeError(bytes, join(temp.dir, 'm.onnx'));
    expect(err.code).toBe('EXTERNAL_DATA');
    expect(err.message).toMatch(/does not exist beside the model/);
  });

  it('case 13: metadata keys __proto__, constructor and toString are kept as data in a Map, and no prototype is polluted', () => {
    const proto = onnx.ModelProto.decode(goodModelBytes());
    proto.metadataProps = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map((key) => ({ key, value: `{"polluted": "${key}"}` }));
    const decoded = decodeOnnxModel(Buffer.from(onnx.ModelProto.encode(proto).finish()), { path: 'meta.onnx' });
    expect(decoded.metadata).toBeInstanceOf(Map);
    expect(decoded.metadata.get('__proto__')).toBe('{"polluted": "__proto__"}');
    expect(decoded.metadata.get('toString')).toBe('{"polluted": "toString"}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(typeof ({}).toString).toBe('function');
    expect(Object.getPrototypeOf(decoded.metadata)).toBe(Map.prototype);
  });

  it('case 13: op types, attributes and initializers named __proto__/constructor/toString are unsupported ops, not crashes', async () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    let prev = 'x';
    const nodes = names.map((op, i) => {
      const n = node(op, [prev, '__proto__'], [`t${i}`], Object.fromEntries([['constructor', 1], ['__proto__', [1, 2]], ['toString', 'x']]) as Record<string, number | number[] | string>);
      prev = `t${i}`;
      return n;
    });
    const m = model({
      nodes: [...nodes, node('Identity', [prev], ['y'])],
      inputs: [valueInfo('x', 'float32', [1])],
      outputs: [valueInfo('y', 'float32', [1])],
      initializers: Object.fromEntries([['__proto__', makeTensor('float32', [1], Float32Array.of(1))]]),
    });
    writeFileSync(join(temp.dir, 'proto-names.onnx'), encodeOnnxModel(m));
    const run = await runWhole(temp.dir, ['proto-names.onnx', 'good.onnx']);
    const bad = resultFor(run, 'proto-names.onnx');
    expect(bad.error?.code ?? 'none').not.toBe('INTERNAL');
    expect(bad.status).toBe('unsupported');
    expect(new Set(bad.unsupported.map((u) => u.op))).toEqual(new Set(names));
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  });
});
