import { createHash } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FakeGitHub } from './fake-github.js';
import { buildBundleOnce, makeRepo, pullRequestPayload, runBundledAction, type TestRepo } from './harness.js';

let github: FakeGitHub;

beforeAll(buildBundleOnce, 180_000);
beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
});
afterEach(() => github.stop());

describe('release mode', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = makeRepo({ base: { 'models/a.onnx': { fixture: 'seed_custom_activation' }, 'nets/unet.onnx': { fixture: 'tiny_unet' } }, head: {} });
  });

  const releaseRun = (payload: unknown) => runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'release', payload, inputs: { mode: 'release' } });

  test('attaches one zip per model and a SHA256SUMS that matches them', async () => {
    const release = github.addRelease('v1.0.0');
    const result = await releaseRun({ action: 'published', release: { id: release.id, tag_name: 'v1.0.0', upload_url: github.uploadUrl(release) } });
    expect(result.code).toBe(0);
    const names = release.assets.map((a) => a.name).sort();
    expect(names).toEqual(['SHA256SUMS', 'models-a.mlpackage.zip', 'nets-unet.mlpackage.zip']);
    const sums = release.assets.find((a) => a.name === 'SHA256SUMS')!.bytes.toString('utf8');
    for (const zip of release.assets.filter((a) => a.name.endsWith('.zip'))) {
      expect(sums).toContain(`${createHash('sha256').update(zip.bytes).digest('hex')}  ${zip.name}`);
      expect(zip.contentType).toBe('application/zip');
      const entries = Object.keys(unzipSync(new Uint8Array(zip.bytes)));
      expect(entries.some((e) => /fp32\.mlpackage\/Manifest\.json$/.test(e))).toBe(true);
      expect(entries.some((e) => /fp16\.mlpackage\/Manifest\.json$/.test(e))).toBe(true);
    }
  });

  test('a re-run replaces the assets of the same name instead of adding copies', async () => {
    const release = github.addRelease('v1.0.0');
    const payload = { action: 'published', release: { id: release.id, tag_name: 'v1.0.0', upload_url: github.uploadUrl(release) } };
    await releaseRun(payload);
    const firstIds = release.assets.map((a) => a.id);
    const second = await releaseRun(payload);
    expect(second.code).toBe(0);
    expect(release.assets).toHaveLength(3);
    expect(release.assets.some((a) => firstIds.includes(a.id))).toBe(false);
    expect(github.requestsTo('DELETE', /\/releases\/assets\/\d+$/)).toHaveLength(3);
  });

  test('two release runs on the same commit upload byte-identical zips and SHA256SUMS', async () => {
    const release = github.addRelease('v1.0.0');
    const payload = { action: 'published', release: { id: release.id, tag_name: 'v1.0.0', upload_url: github.uploadUrl(release) } };
    const uploaded = () => Object.fromEntries(release.assets.map((a) => [a.name, createHash('sha256').update(a.bytes).digest('hex')]));
    expect((await releaseRun(payload)).code).toBe(0);
    const first = uploaded();
    expect((await releaseRun(payload)).code).toBe(0);
    expect(Object.keys(first).sort()).toEqual(['SHA256SUMS', 'models-a.mlpackage.zip', 'nets-unet.mlpackage.zip']);
    expect(uploaded()).toEqual(first);
  });

  test('finds the release by tag on a tag push', async () => {
    const release = github.addRelease('v2');
    const result = await runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'push', payload: {}, inputs: { mode: 'release' }, env: { GITHUB_REF: 'refs/tags/v2' } });
    expect(result.code).toBe(0);
    expect(release.assets).toHaveLength(3);
  });
});

describe('plan mode', () => {
  test('lists the changed models as a JSON matrix without converting anything', async () => {
    const repo = makeRepo({ base: { 'README.md': { text: 'x\n' } }, head: { write: { 'm/one.onnx': { fixture: 'tiny_unet' }, 'm/two.onnx': { fixture: 'tiny_lstm' } } } });
    github.state.pullFiles.set(3, [{ filename: 'm/one.onnx', status: 'added' }, { filename: 'm/two.onnx', status: 'added' }, { filename: 'README.md', status: 'modified' }]);
    const result = await runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'pull_request', payload: pullRequestPayload(repo, 3), inputs: { mode: 'plan' } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.outputs.models!)).toEqual(['m/one.onnx', 'm/two.onnx']);
    expect(result.summary).toContain('2 model(s) to convert');
    expect(github.requestsTo('POST', /comments$/)).toHaveLength(0);
  });
});

function report(path: string, passed: boolean) {
  return {
    schemaVersion: 1,
    tool: { name: 'onnx-coreml-action', version: '0.1.0' },
    engine: 'reference interpreter',
    variants: ['fp32'],
    models: [{ path, status: passed ? 'passed' : 'failed', onnxBytes: 100, reference: 'onnxruntime', coverage: [], unsupported: [], variants: [], warnings: [], seconds: 1 }],
    gates: { failOnUnsupported: true },
    failures: passed ? [] : [`${path} [fp32]: fails the gate`],
    passed,
    notes: [],
  };
}

const zipOf = (files: Record<string, unknown>) => Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(JSON.stringify(v))]))));

describe('aggregate mode', () => {
  const repo = () => makeRepo({ base: { 'README.md': { text: 'x\n' } }, head: {} });

  test('merges the reports of a fork PR run from its artifacts and comments on the PR found by head commit', async () => {
    const dir = repo();
    github.state.artifacts.push({ id: 11, name: 'coreml-report-1', runId: 555, zip: zipOf({ 'report.json': report('a.onnx', true) }) });
    github.state.artifacts.push({ id: 12, name: 'coreml-report-2', runId: 555, zip: zipOf({ 'report.json': report('b.onnx', true) }) });
    github.state.artifacts.push({ id: 13, name: 'unrelated', runId: 555, zip: zipOf({ 'report.json': report('evil.onnx', false) }) });
    github.state.pullsByCommit.set('abc123', [42]);
    const payload = { action: 'completed', workflow_run: { id: 555, head_sha: 'abc123', pull_requests: [] } };
    const result = await runBundledAction({ cwd: dir.dir, apiUrl: github.url, eventName: 'workflow_run', payload, inputs: { mode: 'aggregate', 'artifact-name': 'coreml-report-*' } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.outputs.models!)).toEqual(['a.onnx', 'b.onnx']);
    const [comment] = github.state.comments.get(42) ?? [];
    expect(comment!.body).toContain('`a.onnx`');
    expect(comment!.body).toContain('https://github.test/octo/models/actions/runs/555');
    expect(comment!.body).not.toContain('evil');
    expect(comment!.body).toContain("pull request's own workflow run 555");
  });

  test('finds a fork PR among the open pull requests when its head commit is not associated with it', async () => {
    const dir = repo();
    github.state.artifacts.push({ id: 11, name: 'coreml-report', runId: 555, zip: zipOf({ 'report.json': report('a.onnx', true) }) });
    github.state.openPulls.push({ number: 8, headSha: 'ffff' }, { number: 43, headSha: 'abc123' });
    const payload = { action: 'completed', workflow_run: { id: 555, head_sha: 'abc123', pull_requests: [] } };
    const result = await runBundledAction({ cwd: dir.dir, apiUrl: github.url, eventName: 'workflow_run', payload, inputs: { mode: 'aggregate' } });
    expect(result.code).toBe(0);
    expect(github.state.comments.get(43)).toHaveLength(1);
    expect(github.state.comments.get(8)).toBeUndefined();
  });

  test('refuses an artifact whose report does not match the schema', async () => {
    const dir = repo();
    github.state.artifacts.push({ id: 11, name: 'coreml-report', runId: 555, zip: zipOf({ 'report.json': { schemaVersion: 1, models: 'all passed' } }) });
    const payload = { action: 'completed', workflow_run: { id: 555, head_sha: 'abc123', pull_requests: [{ number: 42 }] } };
    const result = await runBundledAction({ cwd: dir.dir, apiUrl: github.url, eventName: 'workflow_run', payload, inputs: { mode: 'aggregate' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::REPORT: artifact coreml-report\/report\.json/);
    expect(github.state.comments.get(42) ?? []).toHaveLength(0);
  });

  test('a failed job report fails the merged verdict', async () => {
    const dir = repo();
    github.state.artifacts.push({ id: 11, name: 'coreml-report-1', runId: 777, zip: zipOf({ 'report.json': report('a.onnx', true) }) });
    github.state.artifacts.push({ id: 12, name: 'coreml-report-2', runId: 777, zip: zipOf({ 'report.json': report('b.onnx', false) }) });
    const payload = pullRequestPayload({ dir: dir.dir, baseSha: dir.baseSha, headSha: dir.headSha }, 9);
    const result = await runBundledAction({ cwd: dir.dir, apiUrl: github.url, eventName: 'pull_request', payload, inputs: { mode: 'aggregate', 'artifact-name': 'coreml-report-*' } });
    expect(result.code).toBe(1);
    expect(result.outputs.passed).toBe('false');
    expect(result.stdout).toContain('b.onnx [fp32]: fails the gate');
    expect(github.state.comments.get(9)).toHaveLength(1);
  });
});
