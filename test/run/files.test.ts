import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelSlug, repoRelative, sizeOnDisk, uniqueSlugs } from '../../src/run/files.js';
import { makeTempDir } from '../cli/fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

describe('sizeOnDisk', () => {
  it('adds up every file of a folder tree and does not follow links', async () => {
    mkdirSync(join(temp.dir, 'p', 'Data', 'weights'), { recursive: true });
    writeFileSync(join(temp.dir, 'p', 'Manifest.json'), 'x'.repeat(100));
    writeFileSync(join(temp.dir, 'p', 'Data', 'weights', 'weight.bin'), Buffer.alloc(1000));
    writeFileSync(join(temp.dir, 'big'), Buffer.alloc(50_000));
    symlinkSync(join(temp.dir, 'big'), join(temp.dir, 'p', 'link'));
    expect(await sizeOnDisk(join(temp.dir, 'p'))).toBe(1100);
  });
});

describe('modelSlug', () => {
  it('turns a repository path into one safe folder name', () => {
    expect(modelSlug('models/vision/net.onnx')).toBe('models-vision-net');
    expect(modelSlug('../../etc/passwd.onnx')).toBe('etc-passwd');
    expect(modelSlug('a b/c\nd;$(x).onnx')).toBe('a_b-c_d_x_');
    expect(modelSlug('.hidden/.x.onnx')).toBe('hidden-.x');
    expect(modelSlug('..')).toBe('model');
  });

  it('keeps slugs of deep paths short', () => {
    expect(modelSlug(`${'dir/'.repeat(60)}m.onnx`).length).toBeLessThanOrEqual(100);
  });

  it('numbers slugs that would collide', () => {
    expect(uniqueSlugs(['a/b.onnx', 'a-b.onnx', 'a/b.ONNX'])).toEqual(['a-b', 'a-b-2', 'a-b-3']);
  });
});

describe('repoRelative', () => {
  it('spells paths with forward slashes relative to the root', () => {
    expect(repoRelative('/r', '/r/models/x.onnx')).toBe('models/x.onnx');
    expect(repoRelative('/r', '/other/x.onnx')).toBe('../other/x.onnx');
  });
});
