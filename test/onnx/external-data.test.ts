import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { externalDataModelBytes } from '../helpers/external-model.js';

const root = mkdtempSync(join(tmpdir(), 'onnx-external-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WEIGHTS = Float32Array.of(1, -2, 3.5, 4);
const weightBytes = new Uint8Array(WEIGHTS.buffer);
/** 16 bytes of padding, the 16 weight bytes, 8 trailing bytes: offset and length must both matter. */
const paddedWeights = new Uint8Array([...new Uint8Array(16).fill(0xee), ...weightBytes, ...new Uint8Array(8).fill(0xdd)]);

let folderCount = 0;
/** A fresh folder holding model.onnx whose initializer "w" (float32[4]) lives in external data. */
function modelFolder(externalData: Record<string, string>): { folder: string; model: string } {
  const folder = join(root, `m${folderCount++}`);
  mkdirSync(folder);
  const bytes = externalDataModelBytes(externalData);
  const model = join(folder, 'model.onnx');
  writeFileSync(model, bytes);
  return { folder, model };
}

async function externalError(model: string): Promise<ModelInputError> {
  try {
    await loadOnnxModel(model);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelInputError);
    expect((err as ModelInputError).file).toBe(model);
    return err as ModelInputError;
  }
  throw new Error('expected the external data to be refused');
}

describe('external data that stays in the model folder loads', () => {
  it('reads the byte range given by offset and length', async () => {
    const { folder, model } = modelFolder({ location: 'weights.bin', offset: '16', length: '16' });
    writeFileSync(join(folder, 'weights.bin'), paddedWeights);
    const w = (await loadOnnxModel(model)).graph.initializers.get('w')!;
    expect(w.shape).toEqual([4]);
    expect(Array.from(w.data as Float32Array)).toEqual([1, -2, 3.5, 4]);
  });

  it('reads to the end of the file when length is omitted', async () => {
    const { folder, model } = modelFolder({ location: 'sub/weights.bin', offset: '8' });
    mkdirSync(join(folder, 'sub'));
    writeFileSync(join(folder, 'sub', 'weights.bin'), new Uint8Array([...new Uint8Array(8), ...weightBytes]));
    expect(Array.from((await loadOnnxModel(model)).graph.initializers.get('w')!.data as Float32Array)).toEqual([1, -2, 3.5, 4]);
  });

  it('follows a symlink whose target stays inside the folder', async () => {
    const { folder, model } = modelFolder({ location: 'alias.bin' });
    writeFileSync(join(folder, 'weights.bin'), weightBytes);
    symlinkSync('weights.bin', join(folder, 'alias.bin'));
    expect(Array.from((await loadOnnxModel(model)).graph.initializers.get('w')!.data as Float32Array)).toEqual([1, -2, 3.5, 4]);
  });
});

describe('external data that could leave the model folder is refused with EXTERNAL_DATA', () => {
  it('refuses a location with .. components, even ones that would come back inside', async () => {
    writeFileSync(join(root, 'secret.bin'), weightBytes);
    const up = modelFolder({ location: '../secret.bin' });
    expect((await externalError(up.model)).message).toMatch(/containing "\.\."/);
    const roundTrip = modelFolder({ location: 'sub/../weights.bin' });
    expect((await externalError(roundTrip.model)).code).toBe('EXTERNAL_DATA');
    const windows = modelFolder({ location: 'sub\\..\\..\\secret.bin' });
    expect((await externalError(windows.model)).code).toBe('EXTERNAL_DATA');
  });

  it('refuses absolute locations', async () => {
    const posix = modelFolder({ location: join(root, 'secret.bin') });
    expect((await externalError(posix.model)).message).toMatch(/absolute external data location/);
    const drive = modelFolder({ location: 'C:\\weights.bin' });
    expect((await externalError(drive.model)).code).toBe('EXTERNAL_DATA');
  });

  it('refuses a symlink whose real path leaves the folder', async () => {
    const { folder, model } = modelFolder({ location: 'weights.bin' });
    writeFileSync(join(root, 'outside.bin'), weightBytes);
    symlinkSync(join(root, 'outside.bin'), join(folder, 'weights.bin'));
    const err = await externalError(model);
    expect(err.code).toBe('EXTERNAL_DATA');
    expect(err.message).toMatch(/outside the model's folder/);
  });

  it('refuses a symlinked parent directory that leaves the folder', async () => {
    const outside = join(root, 'outside-dir');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'weights.bin'), weightBytes);
    const { folder, model } = modelFolder({ location: 'data/weights.bin' });
    symlinkSync(outside, join(folder, 'data'));
    expect((await externalError(model)).message).toMatch(/outside the model's folder/);
  });

  it('refuses a hard link, which could alias a file outside the folder', async () => {
    writeFileSync(join(root, 'linked.bin'), weightBytes);
    const { folder, model } = modelFolder({ location: 'weights.bin' });
    linkSync(join(root, 'linked.bin'), join(folder, 'weights.bin'));
    expect((await externalError(model)).message).toMatch(/hard link/);
  });
});

describe('external data with inconsistent sizes or keys is refused with EXTERNAL_DATA', () => {
  it('refuses offset + length past the end of the file', async () => {
    const { folder, model } = modelFolder({ location: 'weights.bin', offset: '32', length: '16' });
    writeFileSync(join(folder, 'weights.bin'), paddedWeights);
    expect((await externalError(model)).message).toMatch(/has 40 bytes, but offset 32 \+ length 16 reaches past its end/);
  });

  it('refuses a length that differs from what the shape needs', async () => {
    const { folder, model } = modelFolder({ location: 'weights.bin', length: '12' });
    writeFileSync(join(folder, 'weights.bin'), paddedWeights);
    expect((await externalError(model)).message).toMatch(/holds 12 bytes, but its type and shape need exactly 16/);
  });

  it('refuses unknown keys, non-numeric offsets, a missing location and a missing file', async () => {
    expect((await externalError(modelFolder({ location: 'weights.bin', __proto__x: '1' }).model)).message).toMatch(/unknown external_data key/);
    expect((await externalError(modelFolder({ location: 'weights.bin', offset: '-4' }).model)).message).toMatch(/not a non-negative integer/);
    expect((await externalError(modelFolder({ offset: '0' }).model)).message).toMatch(/names no location/);
    expect((await externalError(modelFolder({ location: 'nothing.bin' }).model)).message).toMatch(/does not exist beside the model/);
  });

  it('refuses a directory as external data', async () => {
    const { folder, model } = modelFolder({ location: 'dir' });
    mkdirSync(join(folder, 'dir'));
    expect((await externalError(model)).message).toMatch(/not a regular file/);
  });
});
