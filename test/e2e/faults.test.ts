import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunReport } from '../../src/report/schema.js';
import { FakeGitHub } from './fake-github.js';
import { buildBundleOnce, makeRepo, pullRequestPayload, runBundledAction, type TestRepo } from './harness.js';

/** GitHub failures the action must survive without losing results or duplicating its comment. */

let github: FakeGitHub;
let repo: TestRepo;

beforeAll(buildBundleOnce, 180_000);
beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
  repo = makeRepo({ base: { 'README.md': { text: 'x\n' } }, head: { write: { 'models/a.onnx': { fixture: 'seed_custom_activation' } } } });
  github.state.pullFiles.set(7, [{ filename: 'models/a.onnx', status: 'added' }]);
});
afterEach(() => github.stop());

const run = (options: { fork?: boolean; inputs?: Record<string, string> } = {}) =>
  runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'pull_request', payload: pullRequestPayload(repo, 7, options), inputs: options.inputs ?? {} });

const comments = () => github.state.comments.get(7) ?? [];
const secondary = { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' };

describe('fork pull requests', () => {
  test('a read-only token refusing the comment is a warning; summary and outputs still carry the results', async () => {
    github.state.readOnly = true;
    const result = await run({ fork: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/::warning::.*HTTP 403.*Resource not accessible by integration/);
    expect(result.stdout).toContain('fork pull requests get a read-only token');
    expect(result.summary).toContain('Core ML conversion report');
    expect(result.outputs.passed).toBe('true');
    expect(comments()).toHaveLength(0);
  });
});

describe('rate limits', () => {
  test('waits out a secondary rate limit for the retry-after seconds, then succeeds', async () => {
    github.fault({ method: 'GET', path: /\/pulls\/7\/files$/, times: 1, status: 403, headers: { 'retry-after': '1' }, body: secondary });
    const result = await run();
    expect(result.code).toBe(0);
    const [limited, retried] = github.requestsTo('GET', /\/pulls\/7\/files$/);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    expect(result.stdout).toContain('secondary rate limit');
    expect(comments()).toHaveLength(1);
  });

  test('treats a 429 secondary limit the same way', async () => {
    github.fault({ method: 'GET', path: /\/issues\/7\/comments$/, times: 1, status: 429, headers: { 'retry-after': '1' }, body: secondary });
    const result = await run();
    expect(result.code).toBe(0);
    expect(comments()).toHaveLength(1);
  });

  test('does not sleep for an hour on a primary limit: it gives up on the comment and keeps the results', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3000);
    github.fault({ method: 'GET', path: /\/issues\/7\/comments$/, times: 5, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded' } });
    const result = await run();
    expect(result.ms).toBeLessThan(30_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('primary rate limit');
    expect(result.summary).toContain('Core ML conversion report');
  });
});

describe('server errors and lost responses', () => {
  test('retries a 502 on listing comments and then posts one comment', async () => {
    github.fault({ method: 'GET', path: /\/issues\/7\/comments$/, times: 1, status: 502, body: { message: 'Bad Gateway' } });
    const result = await run();
    expect(result.code).toBe(0);
    expect(comments()).toHaveLength(1);
  });

  test('a comment POST that GitHub applied but never answered (timeout) leaves exactly one comment', async () => {
    github.fault({ method: 'POST', path: /\/issues\/7\/comments$/, times: 1, applyThenHang: true });
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('checking whether GitHub created it anyway');
    expect(comments()).toHaveLength(1);
  });

  test('a comment POST whose connection dropped after it was applied leaves exactly one comment', async () => {
    github.fault({ method: 'POST', path: /\/issues\/7\/comments$/, times: 1, applyThenDrop: true });
    await run();
    expect(comments()).toHaveLength(1);
  });

  test('a comment POST that failed with 503 before it was applied is made again', async () => {
    github.fault({ method: 'POST', path: /\/issues\/7\/comments$/, times: 1, status: 503, body: { message: 'Service Unavailable' } });
    await run();
    expect(comments()).toHaveLength(1);
    expect(github.requestsTo('POST', /\/issues\/7\/comments$/)).toHaveLength(2);
  });
});

describe('comment size', () => {
  test('cuts a report longer than 65,536 characters below the limit with a pointer to the full report', async () => {
    // Hundreds of Git LFS pointers: each is reported as its own model, no conversion needed.
    const pointer = (i: number) => ({ text: `version https://git-lfs.github.com/spec/v1\noid sha256:${i.toString(16).padStart(64, '0')}\nsize ${1000 + i}\n` });
    const long = 'a-rather-long-folder-name-for-a-model-collection/'.repeat(2);
    const files = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`${long}model-${i}.onnx`, pointer(i)]));
    repo = makeRepo({ base: { 'README.md': { text: 'x\n' } }, head: { write: files } });
    github.state.pullFiles.set(7, Object.keys(files).map((f) => ({ filename: f, status: 'added' })));
    const result = await run();
    const [comment] = comments();
    expect(comment!.body.length).toBeLessThanOrEqual(65_536);
    expect(comment!.body).toContain("cut to fit GitHub's comment limit");
    expect(comment!.body).toContain('https://github.test/octo/models/actions/runs/777');
    expect(result.summary.length).toBeGreaterThan(65_536);
    expect(result.stdout).toContain('Git LFS pointer');
    expect(result.code).toBe(1);
    const written = JSON.parse(readFileSync(join(repo.dir, 'coreml-report', 'report.json'), 'utf8')) as RunReport;
    expect(written.models).toHaveLength(400);
    expect(written.models[0]!.error).toEqual({ code: 'LFS_POINTER', message: expect.stringContaining('set `lfs: true` on actions/checkout') });
  });
});
