import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context as loadedContext } from '@actions/github';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { readActionContext, type GitHubEventContext } from '../../src/github/context.js';

/** @actions/github's own `context`, built fresh from a runner environment with this payload. */
async function runnerContext(payload: unknown, env: Record<string, string | undefined> = {}): Promise<GitHubEventContext> {
  const file = join(mkdtempSync(join(tmpdir(), 'ctx-')), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  const runner = { GITHUB_REPOSITORY: 'octo/models', GITHUB_EVENT_PATH: file, GITHUB_RUN_ID: '12', GITHUB_API_URL: undefined, GITHUB_SERVER_URL: undefined, ...env };
  for (const [name, value] of Object.entries(runner)) vi.stubEnv(name, value);
  // The package builds its `context` once, at import; its class builds another from the environment as it is now.
  const Context = loadedContext.constructor as new () => typeof loadedContext;
  return new Context();
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('readActionContext', () => {
  test('reads the pull request and marks a head branch from another repository as a fork', async () => {
    const ctx = readActionContext(await runnerContext({ pull_request: { number: 4, changed_files: 9, head: { sha: 'h', repo: { full_name: 'eve/models' } }, base: { sha: 'b', ref: 'main' } } }), '/checkout');
    expect(ctx.pullRequest).toEqual({ number: 4, headSha: 'h', baseSha: 'b', baseRef: 'main', changedFiles: 9, fromFork: true });
    expect(ctx.runUrl).toBe('https://github.com/octo/models/actions/runs/12');
    expect(ctx.workspace).toBe('/checkout');
  });

  test('reads a workflow_run whose pull_requests list is empty, as GitHub sends for forks', async () => {
    const ctx = readActionContext(await runnerContext({ workflow_run: { id: 5, head_sha: 'abc', pull_requests: [] } }), '/');
    expect(ctx.workflowRun).toEqual({ id: 5, headSha: 'abc', pullRequests: [] });
    expect(ctx.pullRequest).toBeUndefined();
  });

  test('ignores payload fields of the wrong type instead of trusting them', async () => {
    const ctx = readActionContext(await runnerContext({ pull_request: { number: '4', head: { sha: 'h' }, base: { sha: 'b' } }, release: { id: 1, tag_name: 7 } }), '/');
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.release).toBeUndefined();
  });

  test('uses GITHUB_API_URL without a trailing slash, for GitHub Enterprise and tests', async () => {
    expect(readActionContext(await runnerContext({}, { GITHUB_API_URL: 'http://127.0.0.1:9/' }), '/').apiUrl).toBe('http://127.0.0.1:9');
  });

  test('has no run link when GITHUB_RUN_ID is not set', async () => {
    expect(readActionContext(await runnerContext({}, { GITHUB_RUN_ID: undefined }), '/').runUrl).toBeUndefined();
  });

  test('takes the tag push ref for release mode', async () => {
    expect(readActionContext(await runnerContext({}, { GITHUB_REF: 'refs/tags/v2' }), '/').ref).toBe('refs/tags/v2');
  });

  test('refuses to run without GITHUB_REPOSITORY', async () => {
    const github = await runnerContext({}, { GITHUB_REPOSITORY: undefined });
    expect(() => readActionContext(github, '/')).toThrow(/GITHUB_REPOSITORY/);
  });
});
