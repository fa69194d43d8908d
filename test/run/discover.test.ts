import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverModels } from '../../src/run/discover.js';
import { makeTempDir } from '../cli/fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

function touch(...parts: string[]): string {
  const path = join(temp.dir, ...parts);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  return path;
}

describe('discoverModels', () => {
  it('finds .onnx files under folders in name order, skipping dependencies, VCS data and hidden folders', async () => {
    const b = touch('models', 'b.onnx');
    const a = touch('models', 'sub', 'a.ONNX');
    touch('models', 'notes.txt');
    touch('models', 'node_modules', 'dep.onnx');
    touch('models', '.git', 'x.onnx');
    touch('models', '.cache', 'y.onnx');
    expect(await discoverModels(['models'], temp.dir)).toEqual([b, a]);
  });

  it('takes files as given, whatever their extension, and drops duplicates', async () => {
    const m = touch('m.bin');
    expect(await discoverModels(['m.bin', './m.bin'], temp.dir)).toEqual([m]);
  });

  it('does not follow a link to a folder', async () => {
    const outside = makeTempDir();
    try {
      writeFileSync(join(outside.dir, 'secret.onnx'), '');
      mkdirSync(join(temp.dir, 'models'));
      touch('models', 'ok.onnx');
      symlinkSync(outside.dir, join(temp.dir, 'models', 'linked'));
      expect(await discoverModels(['models'], temp.dir)).toEqual([join(temp.dir, 'models', 'ok.onnx')]);
    } finally {
      outside.remove();
    }
  });

  it('refuses a path that does not exist, and a folder without models, naming the path', async () => {
    await expect(discoverModels(['nope'], temp.dir)).rejects.toThrow('nope: no such file or folder');
    mkdirSync(join(temp.dir, 'empty'));
    await expect(discoverModels(['empty'], temp.dir)).rejects.toThrow('empty: the folder holds no .onnx files');
  });
});
