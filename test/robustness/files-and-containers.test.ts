import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { makeTempDir } from '../cli/fixtures.js';
import { onnx } from '../../src/gen/onnx.js';
import { SECRET, expectGoodModelPassed, expectIsolatedTypedError, goodModelBytes, resultFor, runWhole, writeGoodModel } from './harness.js';

/** §6 "Files and containers", cases 1–7: files that are not models at all, or not where they seem. */

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  writeGoodModel(temp.dir);
  process.env['INPUT_TOKEN'] = SECRET;
});
afterEach(() => {
  delete process.env['INPUT_TOKEN'];
  temp.remove();
});

const write = (name: string, bytes: Uint8Array | string): string => {
  const path = join(temp.dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** Deterministic bytes (xorshift32), so a failure can be replayed from the seed. */
function seededBytes(seed: number, length: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

const PNG_HEADER = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);

describe('files and containers', () => {
  it('case 1: a zero-byte .onnx is refused as an empty file, and the other model still passes', async () => {
    write('empty.onnx', new Uint8Array());
    const run = await runWhole(temp.dir, ['empty.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'empty.onnx', 'MALFORMED', /^empty\.onnx: the file is empty$/);
  });

  it('case 2: Git LFS pointers (v1 and the old hawser URL) are refused as pointers naming the expected size and lfs: true', async () => {
    const oid = `oid sha256:${'ab'.repeat(32)}`;
    write('v1.onnx', `version https://git-lfs.github.com/spec/v1\n${oid}\nsize 104857600\n`);
    write('hawser.onnx', `version https://hawser.github.com/spec/v1\n${oid}\nsize 2048\n`);
    const run = await runWhole(temp.dir, ['v1.onnx', 'hawser.onnx', 'good.onnx']);
    const v1 = expectIsolatedTypedError(run, 'v1.onnx', 'LFS_POINTER', /Git LFS pointer/);
    expect(v1.error!.message).toMatch(/104857600 bytes/);
    expect(v1.error!.message).toMatch(/lfs: true/);
    const hawser = expectIsolatedTypedError(run, 'hawser.onnx', 'LFS_POINTER', /Git LFS pointer/);
    expect(hawser.error!.message).toMatch(/2048 bytes/);
  });

  it('case 3: a PNG renamed to .onnx and random bytes are refused as "not an ONNX model", typed, never a bare RangeError', async () => {
    write('picture.onnx', PNG_HEADER);
    write('noise.onnx', seededBytes(7, 4096));
    const run = await runWhole(temp.dir, ['picture.onnx', 'noise.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'picture.onnx', /^(MALFORMED|TRUNCATED)$/, /not (a valid |an )ONNX model/);
    expectIsolatedTypedError(run, 'noise.onnx', /^(MALFORMED|TRUNCATED)$/, /ONNX model/);
  });

  it('case 3: 300 seeded random buffers and 300 bit-flipped copies of a valid model only ever throw ModelInputError', () => {
    const valid = goodModelBytes();
    for (let seed = 1; seed <= 300; seed++) {
      const noise = seededBytes(seed, 1 + (seed * 37) % 2000);
      try {
        decodeOnnxModel(Buffer.from(noise), { path: `noise-${seed}.onnx` });
      } catch (err) {
        expect(err, `seed ${seed}`).toBeInstanceOf(ModelInputError);
      }
      const flipped = Uint8Array.from(valid);
      const flips = seededBytes(seed * 7919, 8);
      for (let k = 0; k < 4; k++) flipped[(flips[2 * k]! * 256 + flips[2 * k + 1]!) % flipped.length]! ^= 1 << (seed % 8);
      try {
        decodeOnnxModel(Buffer.from(flipped), { path: `flipped-${seed}.onnx` });
      } catch (err) {
        expect(err, `flip seed ${seed}`).toBeInstanceOf(ModelInputError);
      }
    }
  });

  it('case 4: a valid model cut at 50% and 1 byte short is refused as truncated, and the other model still passes', async () => {
    const valid = goodModelBytes();
    write('half.onnx', valid.subarray(0, Math.floor(valid.length / 2)));
    write('short.onnx', valid.subarray(0, valid.length - 1));
    const run = await runWhole(temp.dir, ['half.onnx', 'short.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'half.onnx', 'TRUNCATED', /truncated/);
    expectIsolatedTypedError(run, 'short.onnx', 'TRUNCATED', /truncated/);
  });

  it('case 4: every prefix of a valid model is refused with a typed error, never decoded past its end', () => {
    const valid = goodModelBytes();
    for (let cut = 1; cut < valid.length; cut++) {
      // A fresh buffer exactly `cut` long: any read past it would have to come from outside the file.
      const prefix = Buffer.from(valid.subarray(0, cut));
      try {
        decodeOnnxModel(prefix, { path: 'prefix.onnx' });
      } catch (err) {
        expect(err, `cut at ${cut}`).toBeInstanceOf(ModelInputError);
      }
    }
  });

  it('case 5: protobufs of the wrong message are refused naming the missing field (no graph, no ir_version)', async () => {
    write('no-graph.onnx', onnx.ModelProto.encode({ irVersion: 8, producerName: 'x' }).finish());
    const noIr = onnx.ModelProto.decode(goodModelBytes());
    noIr.irVersion = 0;
    write('no-ir.onnx', onnx.ModelProto.encode(noIr).finish());
    // A lone TensorProto (test-data file) renamed to .onnx.
    write('tensor.onnx', onnx.TensorProto.encode({ name: 't', dataType: 1, dims: [2], floatData: [1, 2] }).finish());
    const run = await runWhole(temp.dir, ['no-graph.onnx', 'no-ir.onnx', 'tensor.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'no-graph.onnx', 'MALFORMED', /no graph/);
    expectIsolatedTypedError(run, 'no-ir.onnx', 'MALFORMED', /ir_version/);
    expectIsolatedTypedError(run, 'tensor.onnx', /^(MALFORMED|TRUNCATED)$/, /ONNX model|graph|ir_version/);
  });

  it('case 6: a file above the size cap is refused from stat, before any byte is read', async () => {
    const path = write('big.onnx', goodModelBytes());
    await expect(loadOnnxModel(path, { maxFileBytes: 100 })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', message: /above the limit of 100/ });
  });

  it('case 6: a sparse file above 2 GiB is refused as too large (no ERR_FS_FILE_TOO_LARGE), and the other model still passes', async () => {
    const path = write('huge.onnx', new Uint8Array());
    truncateSync(path, 2 ** 31 + 16);
    const started = performance.now();
    const run = await runWhole(temp.dir, ['huge.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'huge.onnx', 'FILE_TOO_LARGE', /2147483664 bytes, above the limit/);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('case 6: the run-wide size cap refuses models once their total would pass it, reporting them unread while earlier ones still run', async () => {
    for (const name of ['a.onnx', 'b.onnx', 'c.onnx']) write(name, goodModelBytes());
    const size = goodModelBytes().length;
    const run = await runWhole(temp.dir, ['a.onnx', 'b.onnx', 'c.onnx', 'good.onnx'], { maxTotalBytes: 2 * size + 10 });
    expect(run.report.models.map((m) => m.status)).toEqual(['passed', 'passed', 'error', 'error']);
    const c = resultFor(run, 'c.onnx');
    expect(c.error).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: `c.onnx: not read: with its ${size} bytes the models of this run would add up to ${3 * size} bytes, above the limit of ${2 * size + 10}`,
    });
    expect(run.report.passed).toBe(false);
    expect(run.comment).toContain('LIMIT\\_EXCEEDED');
  });

  it('case 7: model files that are symlinks out of their folder (to /proc/self/environ, to ../../.., dangling) are refused unread', async () => {
    symlinkSync('/proc/self/environ', join(temp.dir, 'environ.onnx'));
    symlinkSync('../../..', join(temp.dir, 'up.onnx'));
    symlinkSync(join(temp.dir, 'nowhere', 'gone.onnx'), join(temp.dir, 'dangling.onnx'));
    const run = await runWhole(temp.dir, ['environ.onnx', 'up.onnx', 'dangling.onnx', 'good.onnx']);
    for (const name of ['environ.onnx', 'up.onnx', 'dangling.onnx']) {
      expectIsolatedTypedError(run, name, /^(MALFORMED|FILE_NOT_FOUND)$/, /symlink|not a regular file|cannot find/);
    }
    // Nothing of the environment's content (e.g. PATH=...) reaches any output.
    expect(run.json).not.toMatch(/PATH=|HOME=/);
  });

  it('case 7: a directory named x.onnx is refused as not a regular file, and the other model still passes', async () => {
    mkdirSync(join(temp.dir, 'x.onnx'));
    const run = await runWhole(temp.dir, ['x.onnx', 'good.onnx']);
    expectIsolatedTypedError(run, 'x.onnx', 'MALFORMED', /not a regular file/);
    expectGoodModelPassed(run);
    expect(resultFor(run, 'x.onnx').onnxBytes).toBeNull();
  });
});
