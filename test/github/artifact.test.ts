import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createArtifactUploader, sanitizeArtifactName, type ArtifactClientLike } from '../../src/github/artifact.js';
import type { ActionLog } from '../../src/github/log.js';

function recordingLog(): ActionLog & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, info: push, warning: push, error: push, setSecret: () => {}, setFailed: push };
}

function reportDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'art-'));
  mkdirSync(join(dir, 'm', 'fp32.mlpackage'), { recursive: true });
  writeFileSync(join(dir, 'report.json'), '{}');
  writeFileSync(join(dir, 'm', 'fp32.mlpackage', 'Manifest.json'), '{}');
  return dir;
}

const SERVICE = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results.test/' };

describe('artifact upload', () => {
  test('without an artifact service, says so in the log and uploads nothing', async () => {
    const log = recordingLog();
    const uploader = createArtifactUploader({}, log, undefined, async () => {
      throw new Error('no client expected');
    });
    expect(await uploader.upload('coreml-report', reportDir())).toBeUndefined();
    expect(log.lines[0]).toContain('no artifact service is available');
  });

  test('uploads every file of the report folder and links the artifact on the run page', async () => {
    const uploads: string[][] = [];
    const client: ArtifactClientLike = { uploadArtifact: async (_n, files) => (uploads.push(files), { id: 9 }), deleteArtifact: async () => ({}) };
    const uploader = createArtifactUploader(SERVICE, recordingLog(), 'https://github.test/o/r/actions/runs/1', async () => client);
    const dir = reportDir();
    const result = await uploader.upload('coreml-report', dir);
    expect(result).toEqual({ id: 9, name: 'coreml-report', url: 'https://github.test/o/r/actions/runs/1/artifacts/9' });
    expect(uploads[0]).toEqual([join(dir, 'm', 'fp32.mlpackage', 'Manifest.json'), join(dir, 'report.json')]);
  });

  test('a re-run that finds the name taken replaces the old artifact', async () => {
    const calls: string[] = [];
    let taken = true;
    const client: ArtifactClientLike = {
      uploadArtifact: async () => {
        calls.push('upload');
        if (taken) throw new Error('Conflict: an artifact with this name already exists on the workflow run');
        return { id: 2 };
      },
      deleteArtifact: async () => {
        calls.push('delete');
        taken = false;
        return {};
      },
    };
    await createArtifactUploader(SERVICE, recordingLog(), undefined, async () => client).upload('r', reportDir());
    expect(calls).toEqual(['upload', 'delete', 'upload']);
  });

  test('replaces characters the artifact service rejects in names', () => {
    expect(sanitizeArtifactName('coreml: a/b*?')).toBe('coreml- a-b--');
  });
});
