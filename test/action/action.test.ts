import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { runAction, type ActionDeps } from '../../src/action.js';
import type { GitHubEventContext } from '../../src/github/context.js';
import type { ActionLog } from '../../src/github/log.js';
import type { RunOptions } from '../../src/github/runner.js';
import { emptyReport } from '../../src/report/files.js';
import type { RunReport } from '../../src/report/schema.js';
import { fakeApi, page } from '../github/fake-api.js';
import * as core from '../helpers/actions-core.js';
import { inputsFromEnv } from '../helpers/action-inputs.js';

vi.mock('@actions/core', () => import('../helpers/actions-core.js'));

beforeEach(core.resetCoreMock);

const TOKEN = 'ghs_actionUnitToken';

interface Recorded {
  log: string[];
  secrets: string[];
  failed: string[];
  runs: RunOptions[];
  runnerLoaded: number;
}

function setup(options: { inputs?: Record<string, string>; payload?: unknown; files?: { filename: string; status: string }[]; report?: Partial<RunReport>; runnerError?: Error } = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'action-'));
  const payload = options.payload ?? { pull_request: { number: 3, head: { sha: 'h' }, base: { sha: 'b', ref: 'main' } } };
  const context: GitHubEventContext = { payload, eventName: 'pull_request', sha: 'h', ref: '', apiUrl: 'https://api.github.com', serverUrl: 'https://github.com', runId: 9, repo: { owner: 'octo', repo: 'models' } };
  const rec: Recorded = { log: [], secrets: [], failed: [], runs: [], runnerLoaded: 0 };
  const log: ActionLog = {
    info: (m) => void rec.log.push(m),
    warning: (m) => void rec.log.push(`warning: ${m}`),
    error: (m) => void rec.log.push(`error: ${m}`),
    setSecret: (v) => void rec.secrets.push(v),
    setFailed: (m) => void rec.failed.push(m),
  };
  const files = options.files ?? [{ filename: 'm/a.onnx', status: 'added' }];
  const api = fakeApi((route, params) => (route.includes('/files') ? page(files, params) : route.startsWith('GET') ? [] : { id: 1 }));
  const deps: ActionDeps = {
    context,
    input: (name) => inputsFromEnv(env)(name),
    runModels: async () => {
      rec.runnerLoaded++;
      return async (opts) => {
        rec.runs.push(opts);
        if (options.runnerError) throw options.runnerError;
        return { ...emptyReport(opts.variants, opts.gates, '0.0.0'), ...options.report };
      };
    },
    octokitFactory: () => api,
    log,
    git: async () => '',
    artifactsFactory: () => ({ upload: async () => undefined }),
  };
  const env = {
    GITHUB_WORKSPACE: cwd,
    INPUT_TOKEN: TOKEN,
    ...Object.fromEntries(Object.entries(options.inputs ?? {}).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  return { cwd, rec, api, run: () => runAction({ env, cwd }, deps) };
}

describe('runAction', () => {
  test('masks the token before anything else, even when an input is invalid', async () => {
    const { rec, run } = setup({ inputs: { format: 'neuralnetwork' } });
    const result = await run();
    expect(rec.secrets).toEqual([TOKEN]);
    expect(result.passed).toBe(false);
    expect(rec.failed).toEqual([expect.stringMatching(/^USAGE: input `format`: neuralnetwork .* not implemented yet/)]);
  });

  test('hands the changed models, base commit, gates and per-model time limit to the run', async () => {
    const { cwd, rec, run } = setup({ inputs: { variants: 'fp16,int8', 'deployment-target': 'iOS16', 'timeout-minutes': '2', 'min-psnr': '35' } });
    const result = await run();
    expect(result).toMatchObject({ passed: true, mode: 'pr', models: ['m/a.onnx'], error: undefined });
    expect(core.outputsSet()).toEqual({ report: join('coreml-report', 'report.json'), passed: 'true', models: '["m/a.onnx"]' });
    expect(core.summary.written).toHaveLength(1);
    expect(rec.runs).toEqual([
      expect.objectContaining({ models: ['m/a.onnx'], outDir: join(cwd, 'coreml-report'), variants: ['fp16', 'int8'], target: 'iOS16', baseRef: 'b', cwd, timeoutSecondsPerModel: 120, gates: { failOnUnsupported: true, minPsnr: 35 } }),
    ]);
  });

  test('takes fp16-auto among the variants', async () => {
    const { rec, run } = setup({ inputs: { variants: 'fp16,fp16-auto' } });
    await run();
    expect(rec.runs).toEqual([expect.objectContaining({ variants: ['fp16', 'fp16-auto'] })]);
  });

  test('fails the step with one line per failed gate, after posting the comment', async () => {
    const { rec, api, run } = setup({ report: { passed: false, failures: ['m/a.onnx [fp16]: PSNR 20 dB < 35 dB', 'm/a.onnx: grew 30%'] } });
    await run();
    expect(rec.failed).toEqual(['m/a.onnx [fp16]: PSNR 20 dB < 35 dB\nm/a.onnx: grew 30%']);
    expect(api.calls.some((c) => c.route.startsWith('POST /repos/{owner}/{repo}/issues/{issue_number}/comments'))).toBe(true);
  });

  test('reports an unexpected crash as a bug in one line, without a stack trace', async () => {
    const { rec, run } = setup({ runnerError: new TypeError('x is undefined') });
    await run();
    expect(rec.failed).toEqual(['INTERNAL: x is undefined (this is a bug in onnx-coreml-action; please report it)']);
  });

  test('plan mode never loads the converter', async () => {
    const { rec, run } = setup({ inputs: { mode: 'plan' } });
    const result = await run();
    expect(result.models).toEqual(['m/a.onnx']);
    expect(rec.runnerLoaded).toBe(0);
  });

  test('pr mode outside a pull request names the modes that fit', async () => {
    const { rec, run } = setup({ payload: {} });
    await run();
    expect(rec.failed[0]).toMatch(/^EVENT: mode pr needs a pull_request event.*use mode release, plan or aggregate/);
  });
});
