import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readActionContext } from '../../src/github/context.js';

function withPayload(payload: unknown, extra: Record<string, string> = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'ctx-')), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return readActionContext({ GITHUB_REPOSITORY: 'octo/models', GITHUB_EVENT_PATH: file, GITHUB_RUN_ID: '12', ...extra }, '/checkout');
}

describe('readActionContext', () => {
  test('reads the pull request and marks a head branch from another repository as a fork', () => {
    const ctx = withPayload({ pull_request: { number: 4, changed_files: 9, head: { sha: 'h', repo: { full_name: 'eve/models' } }, base: { sha: 'b', ref: 'main' } } });
    expect(ctx.pullRequest).toEqual({ number: 4, headSha: 'h', baseSha: 'b', baseRef: 'main', changedFiles: 9, fromFork: true });
    expect(ctx.runUrl).toBe('https://github.com/octo/models/actions/runs/12');
  });

  test('reads a workflow_run whose pull_requests list is empty, as GitHub sends for forks', () => {
    const ctx = withPayload({ workflow_run: { id: 5, head_sha: 'abc', pull_requests: [] } });
    expect(ctx.workflowRun).toEqual({ id: 5, headSha: 'abc', pullRequests: [] });
    expect(ctx.pullRequest).toBeUndefined();
  });

  test('ignores payload fields of the wrong type instead of trusting them', () => {
    const ctx = withPayload({ pull_request: { number: '4', head: { sha: 'h' }, base: { sha: 'b' } }, release: { id: 1, tag_name: 7 } });
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.release).toBeUndefined();
  });

  test('uses GITHUB_API_URL without a trailing slash, for GitHub Enterprise and tests', () => {
    expect(withPayload({}, { GITHUB_API_URL: 'http://127.0.0.1:9/' }).apiUrl).toBe('http://127.0.0.1:9');
  });

  test('refuses to run without GITHUB_REPOSITORY', () => {
    expect(() => readActionContext({}, '/')).toThrow(/GITHUB_REPOSITORY/);
  });
});
