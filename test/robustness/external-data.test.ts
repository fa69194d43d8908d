import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { onnx } from '../../src/gen/onnx.js';
import { decodeOnnxModel } from '../../src/onnx/decode.js';
import { makeTempDir } from '../cli/fixtures.js';
import { SECRET, expectGoodModelPassed, expectIsolatedTypedError, expectNoLeaks, goodModelBytes, runWhole, writeGoodModel } from './harness.js';

/**
 * §6 "External data", cases 21–25. Layout: the models live in `<temp>/models/`; a file
 * holding the planted secret sits one folder up, where no model may reach.
 */

let temp: ReturnType<typeof makeTempDir>;
let models: string;
beforeEach(() => {
  temp = makeTempDir();
  models = join(temp.dir, 'models');
  mkdirSync(models);
  writeGoodModel(models);
  writeFileSync(join(temp.dir, 'secret.txt'), SECRET.padEnd(48, '!'));
  // 48 bytes: exactly what W (float32 [4, 3]) needs, so only the path checks stand in the way.
  writeFileSync(join(models, 'weights.bin'), new Uint8Array(48));
});
afterEach(() => temp.remove());

type Entries = Record<string, string>;

/** The good model with W stored externally under the given external_data entries. */
function externalModel(entries: Entries | [string, string][]): Uint8Array {
  const proto = onnx.ModelProto.decode(goodModelBytes());
  const list = Array.isArray(entries) ? entries : Object.entries(entries);
  proto.graph!.initializer = [
    onnx.TensorProto.create({
      name: 'W',
      dataType: 1,
      dims: [4, 3],
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: list.map(([key, value]) => ({ key, value })),
    }),
  ];
  return onnx.ModelProto.encode(proto).finish();
}

function externalError(entries: Entries | [string, string][], name = 'ext.onnx'): ModelInputError {
  const path = join(models, name);
  writeFileSync(path, externalModel(entries));
  try {
    decodeOnnxModel(Buffer.from(externalModel(entries)), { path });
  } catch (err) {
    if (!(err instanceof ModelInputError)) throw new Error(`expected a ModelInputError, got ${String(err)}`);
    expect(err.message).not.toContain(SECRET);
    return err;
  }
  throw new Error('decoded without error');
}

describe('external data', () => {
  it('control: W stored in weights.bin beside the model loads, so the refusals below are about the paths', () => {
    const path = join(models, 'ok.onnx');
    const m = decodeOnnxModel(Buffer.from(externalModel({ location: 'weights.bin' })), { path });
    expect(m.graph.initializers.get('W')!.shape).toEqual([4, 3]);
  });

  it('case 21: "..", "sub/../..", absolute, drive-letter, UNC and empty locations are all refused as EXTERNAL_DATA', () => {
    const refusals: [string, RegExp][] = [
      ['../secret.txt', /containing "\.\."/],
      ['../../etc/passwd', /containing "\.\."/],
      ['sub/../../secret.txt', /containing "\.\."/],
      ['sub\\..\\..\\secret.txt', /containing "\.\."/],
      ['/etc/passwd', /absolute external data location/],
      ['C:\\x', /absolute external data location/],
      ['\\\\host\\share\\x', /absolute external data location/],
      ['', /names no location/],
      ['weights.bin\0.txt', /NUL byte/],
    ];
    for (const [location, message] of refusals) {
      const err = externalError({ location });
      expect([location, err.code]).toEqual([location, 'EXTERNAL_DATA']);
      expect(err.message).toMatch(message);
    }
  });

  it('case 21: through a whole run, a model reaching for ../secret.txt gets a typed error and the secret appears nowhere', async () => {
    writeFileSync(join(models, 'escape.onnx'), externalModel({ location: '../secret.txt' }));
    const run = await runWhole(temp.dir, ['models/escape.onnx', 'models/good.onnx']);
    expectIsolatedTypedError(run, 'models/escape.onnx', 'EXTERNAL_DATA', /containing "\.\."/, 'models/good.onnx');
  });

  it('case 22: a location through a symlinked file or a symlinked parent folder that leads outside is refused, and the secret appears nowhere', async () => {
    symlinkSync(join(temp.dir, 'secret.txt'), join(models, 'linked.bin'));
    symlinkSync(temp.dir, join(models, 'up'));
    expect(externalError({ location: 'linked.bin' }).message).toMatch(/resolves \(through a symlink\) outside the model's folder/);
    expect(externalError({ location: 'up/secret.txt' }).message).toMatch(/resolves \(through a symlink\) outside the model's folder/);

    writeFileSync(join(models, 'via-link.onnx'), externalModel({ location: 'up/secret.txt' }));
    const run = await runWhole(temp.dir, ['models/via-link.onnx', 'models/good.onnx']);
    expectIsolatedTypedError(run, 'models/via-link.onnx', 'EXTERNAL_DATA', /outside the model's folder/, 'models/good.onnx');
  });

  it('case 22: a hard link (which may share its inode with a file outside) is refused', () => {
    linkSync(join(models, 'weights.bin'), join(models, 'hard.bin'));
    expect(externalError({ location: 'hard.bin' }).message).toMatch(/is a hard link/);
  });

  it('case 23: negative, non-numeric and out-of-range offset/length are refused before reading', () => {
    const cases: [Entries, RegExp][] = [
      [{ location: 'weights.bin', offset: '-1' }, /offset "-1", not a non-negative integer/],
      [{ location: 'weights.bin', length: '-48' }, /length "-48", not a non-negative integer/],
      [{ location: 'weights.bin', offset: 'abc' }, /not a non-negative integer/],
      [{ location: 'weights.bin', offset: '1e3' }, /not a non-negative integer/],
      [{ location: 'weights.bin', offset: ' 4' }, /not a non-negative integer/],
      [{ location: 'weights.bin', offset: '0x10' }, /not a non-negative integer/],
      [{ location: 'weights.bin', offset: '8', length: '48' }, /offset 8 \+ length 48 reaches past its end/],
      [{ location: 'weights.bin', length: '1125899906842624' }, /length 1125899906842624 reaches past its end/],
      [{ location: 'weights.bin', length: '99999999999999999999' }, /not a non-negative integer/],
      [{ location: 'weights.bin', length: '40' }, /holds 40 bytes, but its type and shape need exactly 48/],
    ];
    for (const [entries, message] of cases) {
      const err = externalError(entries);
      expect(err.code).toBe('EXTERNAL_DATA');
      expect(err.message).toMatch(message);
    }
  });

  it('case 24: unknown external_data keys (evil, __class__, __proto__) are refused, never applied', () => {
    for (const key of ['evil', '__class__', '__proto__', 'constructor']) {
      const err = externalError([['location', 'weights.bin'], [key, '1']]);
      expect(err.message).toMatch(new RegExp(`unknown external_data key "${key}"`));
    }
    expect(({} as Record<string, unknown>)['1']).toBeUndefined();
    expect(externalError([['location', 'weights.bin'], ['location', '../secret.txt']]).message).toMatch(/repeats the external_data key "location"/);
  });

  it('case 25: a missing external file is refused naming the file, and the other model still passes', async () => {
    writeFileSync(join(models, 'missing.onnx'), externalModel({ location: 'not-in-pr.bin' }));
    const run = await runWhole(temp.dir, ['models/missing.onnx', 'models/good.onnx']);
    expectIsolatedTypedError(run, 'models/missing.onnx', 'EXTERNAL_DATA', /names external data "not-in-pr\.bin", which does not exist beside the model/, 'models/good.onnx');
  });

  it('case 25: an external file that is itself a Git LFS pointer is refused as a pointer, naming the file and lfs: true', async () => {
    writeFileSync(join(models, 'lfs.bin'), `version https://git-lfs.github.com/spec/v1\noid sha256:${'cd'.repeat(32)}\nsize 48\n`);
    writeFileSync(join(models, 'lfs-weights.onnx'), externalModel({ location: 'lfs.bin' }));
    const run = await runWhole(temp.dir, ['models/lfs-weights.onnx', 'models/good.onnx']);
    const bad = expectIsolatedTypedError(run, 'models/lfs-weights.onnx', /^(EXTERNAL_DATA|LFS_POINTER)$/, /"lfs\.bin" is a Git LFS pointer/, 'models/good.onnx');
    expect(bad.error!.message).toMatch(/lfs: true/);
    expectGoodModelPassed(run, 'models/good.onnx');
    expectNoLeaks(run);
  });
});
