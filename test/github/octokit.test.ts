import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { collectPages, createGitHubApi, describeRequestError, httpStatus, type GitHubApiOptions } from '../../src/github/octokit.js';
import type { ActionLog } from '../../src/github/log.js';
import { FakeGitHub } from '../e2e/fake-github.js';

const TOKEN = 'ghs_unitTestToken000';
let github: FakeGitHub;
let lines: string[];

const log: ActionLog = { info: (m) => void lines.push(m), warning: (m) => void lines.push(m), error: (m) => void lines.push(m), setSecret: () => {}, setFailed: () => {} };
const api = (options: Partial<GitHubApiOptions> = {}) => createGitHubApi({ token: TOKEN, baseUrl: github.url, log, retryBaseMs: 10, rateLimitSecondMs: 50, ...options });
const listFiles = (client: ReturnType<typeof api>) => client.rest.pulls.listFiles(params);
const FILES = /\/pulls\/1\/files$/;
const params = { owner: 'octo', repo: 'models', pull_number: 1 };

beforeEach(async () => {
  github = new FakeGitHub();
  lines = [];
  await github.start();
  github.state.pullFiles.set(1, [{ filename: 'a.onnx', status: 'added' }]);
});
afterEach(() => github.stop());

describe('createGitHubApi', () => {
  test('retries a 5xx a bounded number of times, then reports the status', async () => {
    github.fault({ method: 'GET', path: FILES, times: 10, status: 503, body: { message: 'Service Unavailable' } });
    const err = await listFiles(api({ retries: 2 })).catch((e: unknown) => e);
    expect(httpStatus(err)).toBe(503);
    expect(github.requestsTo('GET', FILES)).toHaveLength(3);
  });

  test('aborts a request the server never answers after the request timeout', async () => {
    github.fault({ method: 'GET', path: FILES, times: 10, applyThenHang: true });
    const started = Date.now();
    const err = await listFiles(api({ retries: 0, requestTimeoutMs: 300 })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(httpStatus(err)).toBe(500);
  });

  test('stops retrying secondary limits after the configured count', async () => {
    github.fault({ method: 'GET', path: FILES, times: 10, status: 403, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } });
    const err = await listFiles(api({ rateLimitRetries: 2 })).catch((e: unknown) => e);
    expect(httpStatus(err)).toBe(403);
    expect(github.requestsTo('GET', FILES)).toHaveLength(3);
    expect(lines.some((l) => l.includes('secondary rate limit') && l.includes('not retrying'))).toBe(true);
  });

  test('counts rate-limit waits against a total budget', async () => {
    github.fault({ method: 'GET', path: FILES, times: 10, status: 429, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } });
    const err = await listFiles(api({ rateLimitRetries: 10, totalWaitBudgetSeconds: 1 })).catch((e: unknown) => e);
    expect(httpStatus(err)).toBe(429);
    expect(github.requestsTo('GET', FILES)).toHaveLength(2);
  });

  test('refuses a primary-limit wait longer than the cap instead of sleeping until the reset', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    github.fault({ method: 'GET', path: FILES, times: 1, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded' } });
    const started = Date.now();
    const err = await listFiles(api({ maxRateLimitWaitSeconds: 60 })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(httpStatus(err)).toBe(403);
  });

  test('error descriptions carry the status and message but never the token', async () => {
    github.fault({ method: 'GET', path: FILES, times: 1, status: 404, body: { message: 'Not Found' } });
    const err = await listFiles(api()).catch((e: unknown) => e);
    expect(describeRequestError(err)).toMatch(/^HTTP 404: Not Found/);
    expect(describeRequestError(err)).not.toContain(TOKEN);
    expect(github.state.requests[0]!.authorization).toBe(`token ${TOKEN}`);
  });

  test('paginate follows the link header of the local server until the last page', async () => {
    github.state.pullFiles.set(1, Array.from({ length: 250 }, (_, i) => ({ filename: `${i}.onnx`, status: 'added' })));
    const client = api();
    const files = await client.paginate(client.rest.pulls.listFiles, { ...params, per_page: 100 });
    expect(files.map((f) => f.filename)).toEqual(Array.from({ length: 250 }, (_, i) => `${i}.onnx`));
    expect(github.requestsTo('GET', FILES)).toHaveLength(3);
  });

  test('collectPages stops at its page cap', async () => {
    github.state.pullFiles.set(1, Array.from({ length: 250 }, (_, i) => ({ filename: `${i}.onnx`, status: 'added' })));
    const client = api();
    const files = await collectPages(client.paginate.iterator(client.rest.pulls.listFiles, { ...params, per_page: 100 }), 2);
    expect(files).toHaveLength(200);
    expect(github.requestsTo('GET', FILES)).toHaveLength(2);
  });

  test('a rate-limit wait is measured in the configured unit, so tests do not sleep whole seconds', async () => {
    github.fault({ method: 'GET', path: FILES, times: 1, status: 429, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } });
    const started = Date.now();
    const { data } = await listFiles(api());
    expect(data.map((f) => f.filename)).toEqual(['a.onnx']);
    expect(Date.now() - started).toBeLessThan(900);
  });
});
