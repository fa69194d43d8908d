import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Long from 'long';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { onnx } from '../../src/gen/onnx.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxFunction, OnnxGraph } from '../../src/onnx/ir.js';
import { prepareForConversion } from '../../src/onnx/passes/prepare.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { makeTempDir } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { expectGoodModelPassed, expectIsolatedTypedError, expectNoLeaks, goodModelBytes, resultFor, runWhole, writeGoodModel } from './harness.js';

/** §6 "Tensor and shape bombs", cases 14–20: declared sizes and work far beyond what the file holds. */

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  writeGoodModel(temp.dir);
});
afterEach(() => temp.remove());

const FLOAT = 1;
const STRING = 8;
const INT4 = 22;
const UINT4 = 21;

/** The good model with its weight W replaced by `tensor` (named W), as ModelProto bytes. */
function withWeight(tensor: onnx.ITensorProto): Uint8Array {
  const proto = onnx.ModelProto.decode(goodModelBytes());
  proto.graph!.initializer = [onnx.TensorProto.create({ ...tensor, name: 'W' })];
  return onnx.ModelProto.encode(proto).finish();
}

function weightError(tensor: onnx.ITensorProto): ModelInputError {
  try {
    decodeOnnxModel(Buffer.from(withWeight(tensor)), { path: 'w.onnx' });
  } catch (err) {
    if (!(err instanceof ModelInputError)) throw new Error(`expected a ModelInputError, got ${String(err)}`);
    return err;
  }
  throw new Error('decoded without error');
}

const big = (value: bigint): Long => Long.fromString(value.toString());

describe('tensor and shape bombs', () => {
  it('case 14: dims [2^31, 2^31, 4] with 16 bytes of raw_data are refused by the element cap before any allocation', async () => {
    const bomb = { dataType: FLOAT, dims: [big(2n ** 31n), big(2n ** 31n), 4], rawData: new Uint8Array(16) };
    const heapBefore = process.memoryUsage().arrayBuffers;
    const err = weightError(bomb);
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/declares 18446744073709551616 elements, above the per-tensor limit/);
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64e6);

    writeFileSync(join(temp.dir, 'bomb.onnx'), withWeight(bomb));
    const run = await runWhole(temp.dir, ['bomb.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'bomb.onnx', 'LIMIT_EXCEEDED', /per-tensor limit/);
  });

  it('case 15: dims whose product overflows int64 are refused (BigInt count), never wrapped to a small number', () => {
    // 2^32 · 2^32 wraps to 0 in 64-bit arithmetic; 2^62 · 4 wraps to 0 as well.
    for (const dims of [[big(2n ** 32n), big(2n ** 32n)], [big(2n ** 62n), 4]]) {
      const err = weightError({ dataType: FLOAT, dims, rawData: new Uint8Array(0) });
      expect(err.code).toBe('LIMIT_EXCEEDED');
    }
  });

  it('case 15: a dim beyond 2^53 is refused by name, not rounded', () => {
    const err = weightError({ dataType: FLOAT, dims: [big(2n ** 60n + 1n)], rawData: new Uint8Array(4) });
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/dimension 1152921504606846977 beyond 2\^53/);
  });

  it('case 16: a negative dim is refused as malformed', () => {
    const err = weightError({ dataType: FLOAT, dims: [4, -3], rawData: new Uint8Array(48) });
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toMatch(/negative dimension -3/);
  });

  it('case 16: a zero-element tensor that still carries data (raw_data or float_data) is refused', () => {
    expect(weightError({ dataType: FLOAT, dims: [0, 3], rawData: new Uint8Array(8) }).message).toMatch(/8 bytes of raw_data, but its type and shape need exactly 0/);
    expect(weightError({ dataType: FLOAT, dims: [0], floatData: [1, 2] }).message).toMatch(/2 values in float_data, but its shape needs 0/);
  });

  it('case 17: raw_data one byte short and one byte long is refused (exact length required)', () => {
    for (const length of [47, 49]) {
      const err = weightError({ dataType: FLOAT, dims: [4, 3], rawData: new Uint8Array(length) });
      expect(err.code).toBe('MALFORMED');
      expect(err.message).toMatch(new RegExp(`${length} bytes of raw_data, but its type and shape need exactly 48`));
    }
  });

  it('case 17: INT4/UINT4 raw_data is held to the packed length (3 values need 2 bytes, not 1 or 3)', () => {
    for (const dataType of [INT4, UINT4]) {
      for (const length of [1, 3]) {
        const err = weightError({ dataType, dims: [3], rawData: new Uint8Array(length) });
        expect(err.message).toMatch(/need exactly 2/);
      }
    }
  });

  it('case 18: raw_data and float_data both set is refused as two value fields, not silently picking one', () => {
    const err = weightError({ dataType: FLOAT, dims: [4, 3], rawData: new Uint8Array(48), floatData: new Array(12).fill(7) });
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toMatch(/more than one value field/);
  });

  it('case 18: a STRING tensor in raw_data, data_type 0 and data_type 999 are refused, typed', () => {
    expect(weightError({ dataType: STRING, dims: [1], rawData: Uint8Array.of(65) }).message).toMatch(/string tensor with raw_data/);
    const none = weightError({ dataType: 0, dims: [4, 3], rawData: new Uint8Array(48) });
    expect([none.code, none.message]).toEqual(['MALFORMED', expect.stringMatching(/has no data type/)]);
    const unknown = weightError({ dataType: 999, dims: [4, 3], rawData: new Uint8Array(48) });
    expect([unknown.code, unknown.message]).toEqual(['UNSUPPORTED_FEATURE', expect.stringMatching(/type 999/)]);
  });

  it('case 19: a graph input of static shape 1e6 × 1e6 is refused as an input error naming the input, quickly', async () => {
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [1e6, 1e6])], outputs: [valueInfo('y', 'float32', [1e6, 1e6])] });
    writeFileSync(join(temp.dir, 'wide.onnx'), encodeOnnxModel(m));
    const started = performance.now();
    const run = await runWhole(temp.dir, ['wide.onnx', 'good.onnx']);
    const wide = resultFor(run, 'wide.onnx');
    expect(wide.status).toBe('error');
    expect(wide.variants).toEqual([]);
    expect(wide.error).toMatchObject({ code: 'MALFORMED', message: expect.stringMatching(/input "x" has 1000000000000 elements, above the limit of \d+/) });
    expect(performance.now() - started).toBeLessThan(20_000);
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  });

  it('case 19: symbolic-only input dims are bound to 1 for the generated input, and the warning says so', async () => {
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', ['batch', 'seq'])], outputs: [valueInfo('y', 'float32', ['batch', 'seq'])] });
    writeFileSync(join(temp.dir, 'symbolic.onnx'), encodeOnnxModel(m));
    const run = await runWhole(temp.dir, ['symbolic.onnx', 'good.onnx']);
    const symbolic = resultFor(run, 'symbolic.onnx');
    expect(symbolic.warnings).toContain('input "x": symbolic dimensions batch, seq set to 1 for the generated reference input');
    expectGoodModelPassed(run);
  });

  /** x → Loop(M, cond) { v = Neg(v) } → y, with test data beside it so the reference needs no onnxruntime. */
  function writeLoopModel(name: string, tripCount: bigint | undefined): string {
    const body: OnnxGraph = {
      name: 'body',
      nodes: [node('Identity', ['cond_in'], ['cond_out']), node('Neg', ['v_in'], ['v_out'])],
      inputs: [valueInfo('i', 'int64', []), valueInfo('cond_in', 'bool', []), valueInfo('v_in', 'float32', [1, 4])],
      outputs: [valueInfo('cond_out', 'bool', []), valueInfo('v_out', 'float32', [1, 4])],
      initializers: new Map(),
      valueInfo: new Map(),
    };
    const initializers: Record<string, ReturnType<typeof makeTensor>> = { cond: makeTensor('bool', [], Uint8Array.of(1)) };
    if (tripCount !== undefined) initializers['M'] = makeTensor('int64', [], BigInt64Array.of(tripCount));
    const m = model({
      nodes: [node('Loop', [tripCount === undefined ? '' : 'M', 'cond', 'x'], ['y'], { body: { type: 'graph', value: body } })],
      inputs: [valueInfo('x', 'float32', [1, 4])],
      outputs: [valueInfo('y', 'float32', [1, 4])],
      initializers,
    });
    const dir = join(temp.dir, name);
    mkdirSync(join(dir, 'test_data_set_0'), { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), encodeOnnxModel(m));
    const x = makeTensor('float32', [1, 4], Float32Array.of(1, 2, 3, 4));
    writeFileSync(join(dir, 'test_data_set_0', 'input_0.pb'), encodeTensorProto('x', x));
    writeFileSync(join(dir, 'test_data_set_0', 'output_0.pb'), encodeTensorProto('y', x));
    return `${name}/model.onnx`;
  }

  it('case 20: a Loop with trip count INT64_MAX is refused at conversion (int32 range), and the other model still passes', async () => {
    const huge = writeLoopModel('huge', 2n ** 63n - 1n);
    const run = await runWhole(temp.dir, [huge, 'good.onnx'], { timeoutSecondsPerModel: 2 });
    const r = resultFor(run, huge);
    expect(r.status).toBe('failed');
    expect(r.variants[0]!.error).toMatchObject({ code: 'CONVERSION', message: expect.stringMatching(/9223372036854775807 .*outside the int32 range/) });
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  });

  it('case 20: Loops that never end (condition always true; trip count 2^31 − 1) stop with a typed error, and the other model still passes', async () => {
    const forever = writeLoopModel('forever', undefined);
    const wide = writeLoopModel('int32max', 2n ** 31n - 1n);
    const run = await runWhole(temp.dir, [forever, wide, 'good.onnx'], { timeoutSecondsPerModel: 2 });
    for (const path of [forever, wide]) {
      const r = resultFor(run, path);
      // A time limit ends the whole model (error); the iteration cap fails its variant (failed).
      expect(r.status, path).toMatch(/^(failed|error)$/);
      const error = r.error ?? r.variants[0]?.error;
      // Stopped by the per-model time limit, or by the interpreter's own iteration cap.
      expect(error?.code, path).toMatch(/^(LIMIT_EXCEEDED|RUNTIME)$/);
      expect(error?.message, path).toMatch(/timed out after 2 s|loop ran 1000000 iterations without ending/);
    }
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  }, 60_000);

  it('case 20: a never-ending Loop without test data (reference from onnxruntime) times out at the per-model limit instead of hanging the run', async () => {
    const forever = writeLoopModel('ort-forever', undefined);
    rmSync(join(temp.dir, 'ort-forever', 'test_data_set_0'), { recursive: true });
    const started = performance.now();
    const run = await runWhole(temp.dir, [forever, 'good.onnx'], { timeoutSecondsPerModel: 2 });
    const r = resultFor(run, forever);
    expect(r.status).toBe('error');
    expect(r.error).toEqual({ code: 'LIMIT_EXCEEDED', message: `${forever}: timed out after 2 s (per-model time limit) while computing reference outputs with onnxruntime` });
    expect(performance.now() - started).toBeLessThan(15_000);
    // The good model's reference also came from onnxruntime, through the same killable child process.
    expect(resultFor(run, 'good.onnx').reference).toBe('onnxruntime');
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  }, 30_000);

  // The interpreter's heartbeat reaches into while_loop bodies, where the deadline is checked too.
  it('case 20: a Loop that never ends is stopped by the per-model time limit (2 s), not after it', async () => {
    const forever = writeLoopModel('forever', undefined);
    const run = await runWhole(temp.dir, [forever], { timeoutSecondsPerModel: 2 });
    const r = resultFor(run, forever);
    expect(r.error?.code ?? r.variants[0]?.error?.code).toBe('LIMIT_EXCEEDED');
    expect(r.seconds).toBeLessThan(3);
  }, 60_000);

  it('case 20: recursive local functions (A→A and A→B→A) are refused as recursion (an input error), and the other model still passes', async () => {
    const fn = (name: string, calls: string): OnnxFunction => ({
      name,
      domain: 'local',
      inputs: ['a'],
      outputs: ['b'],
      attributes: [],
      nodes: [{ ...node(calls, ['a'], ['b']), domain: 'local' }],
      opsetImports: new Map([['', 17], ['local', 1]]),
    });
    const write = (file: string, functions: OnnxFunction[]) => {
      const m = model({ nodes: [{ ...node(functions[0]!.name, ['x'], ['y']), domain: 'local' }], inputs: [valueInfo('x', 'float32', [1, 4])], outputs: [valueInfo('y', 'float32', [1, 4])] });
      m.opsetImports.set('local', 1);
      m.functions = functions;
      writeFileSync(join(temp.dir, file), encodeOnnxModel(m));
    };
    write('self.onnx', [fn('A', 'A')]);
    write('mutual.onnx', [fn('A', 'B'), fn('B', 'A')]);
    const run = await runWhole(temp.dir, ['self.onnx', 'mutual.onnx', 'good.onnx']);
    for (const path of ['self.onnx', 'mutual.onnx']) {
      const r = resultFor(run, path);
      // The coverage check inlines functions as conversion does and refuses the cycle by name;
      // the model never reaches conversion, so nothing recurses.
      expect(r.status, path).toBe('error');
      expect(r.variants).toEqual([]);
      expect(r.error?.message, path).toMatch(/call each other more than 32 levels deep \(recursion\?\)/);
      // The conversion itself refuses the cycle by name.
      const decoded = decodeOnnxModel(readFileSync(join(temp.dir, path)), { path });
      expect(() => prepareForConversion(decoded)).toThrow(/call each other more than 32 levels deep \(recursion\?\)/);
    }
    expectGoodModelPassed(run);
    expectNoLeaks(run);
  });
});
