import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { assetName, publishReleaseAssets, sha256Sums, zipPackages } from '../../src/github/release-assets.js';
import { fakeApi, HttpError } from './fake-api.js';

function packageDir(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'Data'), { recursive: true });
  writeFileSync(join(dir, 'Manifest.json'), '{}');
  writeFileSync(join(dir, 'Data', 'weight.bin'), Buffer.alloc(100, 7));
  return dir;
}

describe('release assets', () => {
  test('zips each package under its own folder, with the same bytes every time', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rel-'));
    const dirs = [packageDir(root, 'fp32.mlpackage'), packageDir(root, 'fp16.mlpackage')];
    const first = await zipPackages(dirs);
    expect(Object.keys(unzipSync(first)).sort()).toEqual(['fp16.mlpackage/Data/weight.bin', 'fp16.mlpackage/Manifest.json', 'fp32.mlpackage/Data/weight.bin', 'fp32.mlpackage/Manifest.json']);
    expect(Buffer.compare(Buffer.from(first), Buffer.from(await zipPackages([...dirs].reverse())))).toBe(0);
  });

  test('SHA256SUMS lists every zip in the sha256sum format', () => {
    const bytes = new TextEncoder().encode('zip');
    const sums = sha256Sums([{ name: 'a.zip', bytes, contentType: 'application/zip' }]);
    expect(new TextDecoder().decode(sums.bytes)).toBe(`${createHash('sha256').update(bytes).digest('hex')}  a.zip\n`);
  });

  test('asset names keep only characters GitHub keeps', () => {
    expect(assetName('models/my net (v2)')).toBe('models-my-net-v2');
  });

  test('deletes an existing asset of the same name before uploading, and retries an upload whose outcome is unknown', async () => {
    const assets = [{ id: 1, name: 'a.zip' }];
    let failNext = true;
    const api = fakeApi((route, params) => {
      if (route.startsWith('GET')) return assets;
      if (route.startsWith('DELETE')) {
        assets.splice(assets.findIndex((a) => a.id === params.asset_id), 1);
        return undefined;
      }
      assets.push({ id: assets.length + 10, name: params.name as string });
      if (failNext) {
        failNext = false;
        throw new HttpError(502, 'Bad Gateway');
      }
      return {};
    });
    const target = { api, owner: 'o', repo: 'r', releaseId: 5, uploadUrl: 'https://uploads.test/repos/o/r/releases/5/assets{?name,label}', log: () => {} };
    await publishReleaseAssets(target, [{ name: 'a.zip', bytes: new Uint8Array([1]), contentType: 'application/zip' }]);
    expect(assets.map((a) => a.name)).toEqual(['a.zip']);
    expect(api.calls.filter((c) => c.route.startsWith('DELETE'))).toHaveLength(2);
  });
});
