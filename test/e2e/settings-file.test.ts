import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { METADATA_KEYS } from '../../src/interface/index.js';
import type { RunReport } from '../../src/report/schema.js';
import { FakeGitHub } from './fake-github.js';
import { buildBundleOnce, makeRepo, pullRequestPayload, runBundledAction, type TestRepo } from './harness.js';

/** A PR adding two models, with an onnx-coreml.yml that gives one of them settings of its own. */
const SETTINGS = `# per-model settings
models:
  - match: models/**/*.onnx
    variants: [fp32]
    author: Vision team
  - match: models/special/*.onnx
    target: iOS16
    variants: fp32, fp16
    license: MIT
    metadata: { reviewed-by: design }
`;

function settingsRepo(settings: string): TestRepo {
  return makeRepo({
    base: { 'README.md': { text: 'models\n' }, 'onnx-coreml.yml': { text: settings } },
    head: { write: { 'models/plain.onnx': { fixture: 'tiny_convnet' }, 'models/special/net.onnx': { fixture: 'seed_simple_cnn' } } },
  });
}

const FILES = [
  { filename: 'models/plain.onnx', status: 'added' },
  { filename: 'models/special/net.onnx', status: 'added' },
];

let github: FakeGitHub;

beforeAll(buildBundleOnce, 180_000);
beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
  github.state.pullFiles.set(7, FILES);
});
afterEach(() => github.stop());

const run = (repo: TestRepo, inputs: Record<string, string> = {}) =>
  runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'pull_request', payload: pullRequestPayload(repo, 7), inputs });

describe('per-model settings from onnx-coreml.yml', () => {
  test('gives each model the variants, target and metadata its globs select', async () => {
    const repo = settingsRepo(SETTINGS);
    const result = await run(repo);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(repo.dir, 'coreml-report', 'report.json'), 'utf8')) as RunReport;
    const byPath = new Map(report.models.map((m) => [m.path, m]));
    expect(byPath.get('models/plain.onnx')!.variants.map((v) => [v.name, v.target, v.status])).toEqual([['fp32', 'iOS15', 'passed']]);
    expect(byPath.get('models/special/net.onnx')!.variants.map((v) => [v.name, v.target, v.status])).toEqual([
      ['fp32', 'iOS16', 'passed'],
      ['fp16', 'iOS16', 'passed'],
    ]);
    const special = await readMlPackage(join(repo.dir, 'coreml-report', byPath.get('models/special/net.onnx')!.variants[0]!.package!));
    expect(special.metadata).toMatchObject({ author: 'Vision team', license: 'MIT', userDefined: expect.objectContaining({ 'reviewed-by': 'design' }) });
    expect(special.metadata.userDefined?.[METADATA_KEYS.sourceSha256]).toMatch(/^[0-9a-f]{64}$/);
    const plain = await readMlPackage(join(repo.dir, 'coreml-report', byPath.get('models/plain.onnx')!.variants[0]!.package!));
    expect(plain.metadata.author).toBe('Vision team');
    expect(plain.metadata.license).toBeUndefined();
    // The comment shows each model's interface, with the metadata the settings gave it.
    const comment = (github.state.comments.get(7) ?? [])[0]!.body;
    expect(comment).toContain('<summary>Interface: 1 input(s) · 1 output(s) · author, license set</summary>');
    expect(comment).toContain('- author: Vision team');
  });

  test('a mistake in the file fails the run with the file, line and key before any model runs', async () => {
    const repo = settingsRepo('models:\n  - match: models/**/*.onnx\n    colour: RGB\n');
    const result = await run(repo);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("onnx-coreml.yml: line 3: unknown key 'colour'");
    expect(result.stdout).not.toContain('building ');
    expect(github.state.comments.get(7) ?? []).toHaveLength(0);
  });

  test('the config input names another file, which must then exist', async () => {
    const repo = settingsRepo(SETTINGS);
    const result = await run(repo, { config: 'ci/missing.yml' });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('ci/missing.yml: the settings file does not exist (ENOENT)');
  });
});
