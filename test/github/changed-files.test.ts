import { describe, expect, test } from 'vitest';
import { listChangedModels, modelMatcher } from '../../src/github/changed-files.js';
import type { GitRunner } from '../../src/github/git.js';
import { fakeApi, page } from './fake-api.js';

const noGit: GitRunner = async () => {
  throw new Error('git must not run');
};

function request(files: { filename: string; status: string }[], extra: { changedFiles?: number; git?: GitRunner; patterns?: string[] } = {}) {
  const api = fakeApi((_route, params) => page(files, params));
  const logs: string[] = [];
  const run = listChangedModels({
    api,
    git: extra.git ?? noGit,
    owner: 'o',
    repo: 'r',
    pullNumber: 1,
    baseSha: 'base',
    headSha: 'head',
    changedFiles: extra.changedFiles,
    patterns: extra.patterns ?? ['**/*.onnx'],
    cwd: '/repo',
    log: (m) => logs.push(m),
  });
  return { api, logs, run };
}

describe('modelMatcher', () => {
  test('matches dot folders and literal paths that contain glob characters', () => {
    const matches = modelMatcher(['**/*.onnx', 'weird/[v1].onnx']);
    expect(matches('.models/a.onnx')).toBe(true);
    expect(matches('weird/[v1].onnx')).toBe(true);
    expect(matches('a.onnx.txt')).toBe(false);
  });
});

describe('listChangedModels', () => {
  test('counts added, modified, renamed and copied models, reports removed ones, and skips other files', async () => {
    const { run } = request([
      { filename: 'a.onnx', status: 'added' },
      { filename: 'b.onnx', status: 'modified' },
      { filename: 'new/c.onnx', status: 'renamed' },
      { filename: 'd.onnx', status: 'copied' },
      { filename: 'e.onnx', status: 'removed' },
      { filename: 'f.onnx', status: 'unchanged' },
      { filename: 'README.md', status: 'added' },
    ]);
    expect(await run).toEqual({ paths: ['a.onnx', 'b.onnx', 'd.onnx', 'new/c.onnx'], removed: ['e.onnx'], source: 'api', notes: [] });
  });

  test('reads the next page only when a page is full', async () => {
    const files = Array.from({ length: 200 }, (_, i) => ({ filename: `m${i}.onnx`, status: 'added' }));
    const { api, run } = request(files);
    expect((await run).paths).toHaveLength(200);
    expect(api.calls.map((c) => c.params.page ?? 1)).toEqual([1, 2, 3]);
  });

  test('switches to git when the PR has more files than the API listed', async () => {
    const calls: string[][] = [];
    const git: GitRunner = async (args) => {
      calls.push([...args]);
      return args[0] === 'diff' ? ['A', 'x.onnx', 'D', 'y.onnx', ''].join('\0') : '';
    };
    const { run, logs } = request([{ filename: 'x.onnx', status: 'added' }], { changedFiles: 5000, git });
    const result = await run;
    expect(result).toMatchObject({ paths: ['x.onnx'], removed: ['y.onnx'], source: 'git' });
    expect(result.notes[0]).toContain('at most 3000');
    expect(logs[0]).toContain('git diff');
    expect(calls.find((c) => c[0] === 'diff')).toContain('base...head');
  });

  test('fetches a base commit the shallow checkout lacks before diffing', async () => {
    const calls: string[][] = [];
    let fetched = false;
    const git: GitRunner = async (args) => {
      calls.push([...args]);
      if (args[0] === 'cat-file' && args[2] === 'base^{commit}' && !fetched) throw new Error('missing');
      if (args[0] === 'fetch') fetched = true;
      return args[0] === 'diff' ? ['A', 'x.onnx', ''].join('\0') : '';
    };
    const result = await request([], { changedFiles: 3001, git }).run;
    expect(calls.find((c) => c[0] === 'fetch')).toEqual(['fetch', '--no-tags', '--depth=200', 'origin', 'base']);
    expect(result.notes).toContain('The base commit was fetched for the diff (the checkout did not contain it).');
  });

  test('names the fix when the base commit cannot be fetched', async () => {
    const git: GitRunner = async () => {
      throw new Error('no network');
    };
    await expect(request([], { changedFiles: 3001, git }).run).rejects.toThrow(/base commit base .* could not be fetched; use fetch-depth: 0/);
  });
});
