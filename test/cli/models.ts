import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { encodeTensorProto, readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/** Small ONNX files written for a test: built in memory, encoded, saved into the test's temp dir. */

/**
 * x → Relu → two nodes of op types no converter knows → y. The second unknown
 * node's name carries a newline and an escape sequence, as a hostile model might.
 */
export const UNSUPPORTED_NODES = [
  { op: 'FrobnicateXyz', node: 'frob_1' },
  { op: 'WibbleQux', node: 'wibble\n::warning::\x1b[31mred' },
];

export function writeUnsupportedModel(dir: string): string {
  const relu = node('Relu', ['x'], ['r']);
  const frob = { ...node('FrobnicateXyz', ['r'], ['f']), name: UNSUPPORTED_NODES[0]!.node };
  const wibble = { ...node('WibbleQux', ['f'], ['y']), name: UNSUPPORTED_NODES[1]!.node };
  const m = model({
    nodes: [relu, frob, wibble],
    inputs: [valueInfo('x', 'float32', [1, 4])],
    outputs: [valueInfo('y', 'float32', [1, 4])],
  });
  const path = join(dir, 'unsupported.onnx');
  writeFileSync(path, encodeOnnxModel(m));
  return path;
}

/** A one-node model every converter supports: y = relu(x · W). */
export function writeTinyModel(dir: string, name = 'tiny.onnx'): string {
  const weights = makeTensor('float32', [4, 3], Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2));
  const m = model({
    nodes: [node('MatMul', ['x', 'W'], ['h']), node('Relu', ['h'], ['y'])],
    inputs: [valueInfo('x', 'float32', [1, 4])],
    outputs: [valueInfo('y', 'float32', [1, 3])],
    initializers: { W: weights },
  });
  const path = join(dir, name);
  writeFileSync(path, encodeOnnxModel(m));
  return path;
}

/** What `git clone` leaves when a repository tracks .onnx with Git LFS and the checkout skipped LFS. */
export function writeLfsPointer(dir: string): string {
  const path = join(dir, 'pointer.onnx');
  writeFileSync(path, `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 104857600\n`);
  return path;
}

/**
 * A copy of a fixture's test_data_set_0 whose expected output is negated and
 * shifted: the right input, the wrong answer, so verification must fail.
 */
export async function writeWrongReference(fixtureDir: string, dir: string): Promise<string> {
  const set = join(dir, 'test_data_set_0');
  mkdirSync(set, { recursive: true });
  copyFileSync(join(fixtureDir, 'test_data_set_0', 'input_0.pb'), join(set, 'input_0.pb'));
  const { name, tensor } = await readTensorProtoFile(join(fixtureDir, 'test_data_set_0', 'output_0.pb'));
  const wrong = Float32Array.from(tensor.data as Float32Array, (v) => 1 - v);
  writeFileSync(join(set, 'output_0.pb'), encodeTensorProto(name, makeTensor('float32', tensor.shape, wrong)));
  return dir;
}
