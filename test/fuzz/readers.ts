import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { convertOnnxModel } from '../../src/convert/index.js';
import { checkOnnxModel } from '../../src/convert/coverage.js';
import { BlobFileReader } from '../../src/coreml/blob.js';
import { parseManifest } from '../../src/coreml/manifest.js';
import { decodeModel, writeMlPackage } from '../../src/coreml/package.js';
import type { BlobSource } from '../../src/coreml/program-decode.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxGraph, OnnxModel } from '../../src/onnx/ir.js';
import { decodeTensorProto, encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { validateOnnxModel } from '../../src/onnx/validate.js';
import { parseNpzTestData } from '../../src/reference/npz.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { bytesOf, npyBytes } from '../reference/npy-writer.js';

/**
 * The three readers the fuzzer drives, each with its seeds: well-formed inputs
 * built in memory, which the mutator then damages. `read` runs what the tool
 * runs on such bytes; a reader must either accept them or throw a typed error.
 */

export interface FuzzSeed {
  /** What the seed is, for crash reports. */
  name: string;
  bytes: Uint8Array;
  read(bytes: Uint8Array): void;
}

/** A plain copy: encoders hand out views into pooled buffers that must not be shared with mutations. */
const own = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

export interface FuzzReader {
  name: string;
  seeds: FuzzSeed[];
  /** Removes whatever building the seeds left on disk. */
  dispose(): void;
}

const f32 = (shape: number[], seed = 1) => makeTensor('float32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7 + seed) % 11) / 8 - 0.6));
const i64 = (values: number[]) => makeTensor('int64', [values.length], BigInt64Array.from(values.map(BigInt)));

/** Models that exercise initializers, attributes, symbolic dims, folding and a subgraph. */
function onnxSeedModels(): Record<string, OnnxModel> {
  const branch = (name: string, op: string): OnnxGraph => ({
    name,
    nodes: [node(op, ['h'], [`${name}_out`])],
    inputs: [],
    outputs: [valueInfo(`${name}_out`, 'float32', [1, 3])],
    initializers: new Map(),
    valueInfo: new Map(),
  });
  return {
    mlp: model({
      nodes: [node('Gemm', ['x', 'w', 'b'], ['h'], { transB: 1 }), node('Relu', ['h'], ['y'])],
      inputs: [valueInfo('x', 'float32', ['batch', 4])],
      outputs: [valueInfo('y', 'float32', ['batch', 3])],
      initializers: { w: f32([3, 4]), b: f32([3], 2) },
    }),
    conv: model({
      nodes: [
        node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node('BatchNormalization', ['c', 's', 'bb', 'm', 'v'], ['n']),
        node('MaxPool', ['n'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
        node('Reshape', ['p', 'shape'], ['y']),
      ],
      inputs: [valueInfo('x', 'float32', [1, 2, 4, 4])],
      outputs: [valueInfo('y', 'float32', [1, 12])],
      initializers: { w: f32([3, 2, 3, 3]), s: f32([3]), bb: f32([3], 3), m: f32([3], 4), v: makeTensor('float32', [3], Float32Array.of(1, 2, 3)), shape: i64([1, 12]) },
    }),
    branches: model({
      nodes: [
        node('Relu', ['x'], ['h']),
        node('If', ['cond'], ['y'], { then_branch: { type: 'graph', value: branch('then', 'Sigmoid') }, else_branch: { type: 'graph', value: branch('else', 'Tanh') } }),
      ],
      inputs: [valueInfo('x', 'float32', [1, 3]), valueInfo('cond', 'bool', [])],
      outputs: [valueInfo('y', 'float32', [1, 3])],
    }),
  };
}

/** Decode, validate and analyse (shape inference and folding), as `check` does after reading the file. */
function readOnnx(bytes: Uint8Array): void {
  const m = decodeOnnxModel(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { path: 'fuzz.onnx' });
  validateOnnxModel(m);
  if (checkOnnxModel(m).unsupported.length === 0) convertOnnxModel(m, { target: 'iOS15', precision: 'fp16' });
}

export function onnxReader(): FuzzReader {
  const seeds = Object.entries(onnxSeedModels()).map(([name, m]) => ({ name, bytes: own(encodeOnnxModel(m)), read: readOnnx }));
  return { name: 'onnx', seeds, dispose: () => undefined };
}

/** A BlobSource over weight bytes held in memory, as the package reader resolves weight.bin. */
function memoryBlobs(weights: Uint8Array): BlobSource {
  let reader: BlobFileReader | undefined;
  return { read: (_file, offset, dtype, shape) => (reader ??= new BlobFileReader(weights, 'weight.bin')).read(offset, dtype, shape) };
}

/** Manifest.json, model.mlmodel and weight.bin of a converted package, each mutated on its own. */
export async function packageReader(): Promise<FuzzReader> {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-package-'));
  const converted = convertOnnxModel(onnxSeedModels()['conv']!, { target: 'iOS15', precision: 'fp16' });
  const pkg = join(dir, 'seed.mlpackage');
  await writeMlPackage(converted.model, pkg);
  const data = join(pkg, 'Data', 'com.apple.CoreML');
  const manifest = own(readFileSync(join(pkg, 'Manifest.json')));
  const modelBytes = own(readFileSync(join(data, 'model.mlmodel')));
  const weights = own(readFileSync(join(data, 'weights', 'weight.bin')));
  const seeds: FuzzSeed[] = [
    { name: 'Manifest.json', bytes: manifest, read: (b) => void parseManifest(Buffer.from(b).toString('utf8'), 'Manifest.json') },
    { name: 'model.mlmodel', bytes: modelBytes, read: (b) => void decodeModel(b, 'model.mlmodel', memoryBlobs(weights)) },
    { name: 'weight.bin', bytes: weights, read: (b) => void decodeModel(modelBytes, 'model.mlmodel', memoryBlobs(b)) },
  ];
  return { name: 'package', seeds, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Test data: TensorProto files of several element types, and an .npz archive. */
export function testDataReader(): FuzzReader {
  const tensors = {
    'float32.pb': encodeTensorProto('x', f32([2, 3])),
    'int64.pb': encodeTensorProto('ids', i64([1, -2, 3, 2 ** 40])),
    'float16.pb': encodeTensorProto('h', makeTensor('float16', [4], Uint16Array.of(0x3c00, 0xbc00, 0x7bff, 0x0001))),
    'bool.pb': encodeTensorProto('mask', makeTensor('bool', [3], Uint8Array.of(1, 0, 1))),
  };
  const npz = zipSync({
    'inputs/x.npy': npyBytes({ descr: '<f4', shape: [2, 2], data: bytesOf(Float32Array.of(1, 2, 3, 4), 4) }),
    'outputs/y.npy': npyBytes({ descr: '<i8', shape: [3], data: bytesOf(BigInt64Array.of(1n, 2n, 3n), 8) }),
  });
  const seeds: FuzzSeed[] = [
    ...Object.entries(tensors).map(([name, bytes]) => ({ name, bytes: own(bytes), read: (b: Uint8Array) => void decodeTensorProto(b, name) })),
    { name: 'test_data.npz', bytes: own(npz), read: (b) => void parseNpzTestData(b, 'test_data.npz') },
  ];
  return { name: 'test-data', seeds, dispose: () => undefined };
}
