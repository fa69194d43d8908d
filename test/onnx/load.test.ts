import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { onnx } from '../../src/gen/onnx.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxGraph } from '../../src/onnx/ir.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { DEFAULT_ONNX_LIMITS } from '../../src/onnx/limits.js';
import { isOnDemand } from '../../src/tensor/on-demand.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/onnx/', import.meta.url));
const cnnBytes = readFileSync(join(fixtures, 'seed_simple_cnn', 'model.onnx'));
const dir = mkdtempSync(join(tmpdir(), 'onnx-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeModel(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function loadError(path: string, limits?: Parameters<typeof loadOnnxModel>[1]): Promise<ModelInputError> {
  try {
    await loadOnnxModel(path, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelInputError);
    return err as ModelInputError;
  }
  throw new Error(`expected ${path} to be refused`);
}

function reluModel(initializers: Record<string, ReturnType<typeof makeTensor>> = {}) {
  return model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])], initializers });
}

/** Builds `depth` Ifs, each holding the next one in its then_branch (one branch only, so size stays linear). */
function nestedIfGraph(depth: number): OnnxGraph {
  let inner = model({ nodes: [node('Identity', ['c'], ['y'])], inputs: [], outputs: [valueInfo('y', 'bool', [])] }).graph;
  for (let i = 0; i < depth; i++) {
    const ifNode = node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: inner } });
    inner = model({ nodes: [ifNode], inputs: [], outputs: [valueInfo('y', 'bool', [])] }).graph;
  }
  return inner;
}

function nestedModelBytes(depth: number): Uint8Array {
  const base = reluModel();
  return encodeOnnxModel({ ...base, graph: { ...nestedIfGraph(depth), inputs: [valueInfo('c', 'bool', [])] } });
}

/**
 * Nested Ifs written field by field: protobufjs' encoder itself refuses this
 * depth, but a hostile file does not need an encoder.
 */
function handNestedModelBytes(depth: number): Uint8Array {
  let graph = onnx.GraphProto.encode({ node: [{ opType: 'Identity', input: ['c'], output: ['y'] }] }).finish();
  for (let i = 0; i < depth; i++) {
    const attribute = onnx.AttributeProto.encode({ name: 'then_branch', type: 5 }).uint32((6 << 3) | 2).bytes(graph).finish();
    const ifNode = onnx.NodeProto.encode({ opType: 'If', input: ['c'], output: ['y'] }).uint32((5 << 3) | 2).bytes(attribute).finish();
    graph = new protobuf.Writer().uint32((1 << 3) | 2).bytes(ifNode).finish();
  }
  return onnx.ModelProto.encode({ irVersion: 8 }).uint32((7 << 3) | 2).bytes(graph).finish();
}

describe('loadOnnxModel refuses unreadable files with typed errors naming the file', () => {
  it('reports a model cut in half as TRUNCATED', async () => {
    const path = writeModel('half.onnx', cnnBytes.subarray(0, cnnBytes.length >> 1));
    const err = await loadError(path);
    expect(err.code).toBe('TRUNCATED');
    expect(err.file).toBe(path);
    expect(err.message).toContain(path);
  });

  it('reports random garbage as TRUNCATED or MALFORMED', async () => {
    let seed = 12345;
    const garbage = new Uint8Array(4096).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    const err = await loadError(writeModel('garbage.onnx', garbage));
    expect(['TRUNCATED', 'MALFORMED']).toContain(err.code);
  });

  it('reports an empty file and a protobuf without a graph as MALFORMED', async () => {
    expect((await loadError(writeModel('empty.onnx', new Uint8Array()))).code).toBe('MALFORMED');
    const noGraph = onnx.ModelProto.encode({ irVersion: 8, producerName: 'x' }).finish();
    expect((await loadError(writeModel('nograph.onnx', noGraph))).message).toMatch(/no graph/);
  });

  it('recognises a Git LFS pointer and says to check out with lfs: true', async () => {
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';
    const err = await loadError(writeModel('pointer.onnx', pointer));
    expect(err.code).toBe('LFS_POINTER');
    expect(err.message).toMatch(/lfs: true/);
  });

  it('reports a missing file as FILE_NOT_FOUND and a file over the size cap as FILE_TOO_LARGE before reading it', async () => {
    expect((await loadError(join(dir, 'absent.onnx'))).code).toBe('FILE_NOT_FOUND');
    const path = writeModel('big.onnx', cnnBytes);
    expect((await loadError(path, { maxFileBytes: 1000 })).code).toBe('FILE_TOO_LARGE');
  });

  it('refuses declared dims of 2^40 x 2^40 without allocating', async () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      graph: { initializer: [{ name: 'bomb', dataType: 1, dims: [2 ** 40, 2 ** 40], rawData: new Uint8Array(8) }] },
    }).finish();
    const before = process.memoryUsage().arrayBuffers;
    const err = await loadError(writeModel('bomb.onnx', bytes));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/"bomb" declares 1208925819614629174706176 elements/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('refuses raw_data whose length differs from what the shape needs', async () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      graph: { initializer: [{ name: 'w', dataType: 1, dims: [1000000], rawData: new Uint8Array(4) }] },
    }).finish();
    const err = await loadError(writeModel('short.onnx', bytes));
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toMatch(/tensor "w" has 4 bytes of raw_data, but its type and shape need exactly 4000000/);
  });

  it('enforces the total element budget across initializers', async () => {
    const m = reluModel({ a: makeTensor('float32', [600]), b: makeTensor('float32', [600]) });
    const path = writeModel('budget.onnx', encodeOnnxModel(m));
    const err = await loadError(path, { maxTotalElements: 1000 });
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/1200 elements in total/);
    await expect(loadOnnxModel(path, { maxTotalElements: 1200 })).resolves.toBeDefined();
  });

  it('enforces the node count cap', async () => {
    const path = writeModel('nodes.onnx', cnnBytes);
    expect((await loadError(path, { maxNodes: 4 })).message).toMatch(/more than 4 nodes/);
  });

  it('refuses subgraphs nested deeper than the limit, and accepts them up to it', async () => {
    const path = writeModel('nested5.onnx', nestedModelBytes(5));
    const err = await loadError(path, { maxSubgraphDepth: 4 });
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/nests subgraphs 5 levels deep, above the limit of 4/);
    await expect(loadOnnxModel(path, { maxSubgraphDepth: 5 })).resolves.toBeDefined();
  });

  it('turns nesting beyond the protobuf decoder depth into LIMIT_EXCEEDED, not a crash', async () => {
    const err = await loadError(writeModel('nested60.onnx', handNestedModelBytes(60)), { maxSubgraphDepth: 100 });
    expect(err.code).toBe('LIMIT_EXCEEDED');
  });

  it('turns 40 KB of nested protobuf groups into a typed error, not a stack overflow', async () => {
    const groups = new Uint8Array(40000).fill(0x0b); // field 1, wire type 3 (start group), repeated
    const err = await loadError(writeModel('groups.onnx', groups));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/nests messages deeper than the decoder allows/);
  });

  it('refuses a model symlink that leads outside its folder and follows one that stays inside', async () => {
    const inner = mkdtempSync(join(dir, 'inner-'));
    const outsideTarget = writeModel('outside.onnx', cnnBytes);
    symlinkSync(outsideTarget, join(inner, 'escape.onnx'));
    writeFileSync(join(inner, 'real.onnx'), cnnBytes);
    symlinkSync('real.onnx', join(inner, 'alias.onnx'));
    expect((await loadError(join(inner, 'escape.onnx'))).message).toMatch(/symlink that leads outside/);
    expect((await loadOnnxModel(join(inner, 'alias.onnx'))).graph.nodes).toHaveLength(5);
  });
});

describe('loadOnnxModel with weights read on demand', () => {
  const big = Float32Array.from({ length: 40_000 }, (_, i) => Math.sin(i));
  const small = Float32Array.from([1, 2, 3]);
  const bytes = encodeOnnxModel(reluModel({ big: makeTensor('float32', [200, 200], big), small: makeTensor('float32', [3], small) }));

  it('holds no large raw_data, reading each from the file when first used, with the same values', async () => {
    const path = writeModel('on-demand.onnx', bytes);
    const loaded = await loadOnnxModel(path, undefined, { weights: 'on-demand' });
    const whole = await loadOnnxModel(path);
    const bigTensor = loaded.graph.initializers.get('big')!;
    expect(isOnDemand(bigTensor)).toBe(true);
    expect(isOnDemand(loaded.graph.initializers.get('small')!)).toBe(false);
    expect(bigTensor.data).toEqual(big);
    expect(loaded.graph.initializers).toEqual(whole.graph.initializers);
  });

  it('refuses to read weights from a file that changed since it was loaded, naming it', async () => {
    const path = writeModel('changed.onnx', bytes);
    const loaded = await loadOnnxModel(path, undefined, { weights: 'on-demand' });
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const error = (() => {
      try {
        return loaded.graph.initializers.get('big')!.data;
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ModelInputError);
    expect(error).toMatchObject({ code: 'MALFORMED', file: path, message: expect.stringContaining('changed on disk') });
  });
});

describe('decodeOnnxModel limits', () => {
  it('refuses limits that are not non-negative integers', () => {
    expect(() => decodeOnnxModel(cnnBytes, { path: 'm.onnx', limits: { maxNodes: -1 } })).toThrow(/maxNodes must be a non-negative integer/);
  });

  it('documents defaults that admit real models and cap hostile ones', () => {
    expect(DEFAULT_ONNX_LIMITS).toEqual({
      maxFileBytes: 2 ** 31 - 1,
      maxTensorElements: 2 ** 30,
      maxTotalElements: 2 ** 31,
      maxNodes: 1_000_000,
      maxSubgraphDepth: 16,
      maxSubgraphs: 1024,
      maxDecodeWork: 2 ** 27,
    });
  });
});
