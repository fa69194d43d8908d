import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FakeGitHub } from './fake-github.js';
import { buildBundleOnce, makeRepo, pullRequestPayload, runBundledAction, TOKEN, visibleText, type TestRepo } from './harness.js';

const MARKER = '<!-- onnx-coreml-action -->';

/** A PR adding one model, renaming one, removing one, plus unrelated files up to `total` entries. */
function prFiles(total: number) {
  const models = [
    { filename: 'models/new.onnx', status: 'added' },
    { filename: 'models/renamed.onnx', status: 'renamed', previous_filename: 'models/old.onnx' },
    { filename: 'models/gone.onnx', status: 'removed' },
  ];
  const filler = Array.from({ length: total - models.length }, (_, i) => ({ filename: `docs/page-${i}.md`, status: 'added' }));
  return [...filler.slice(0, 60), ...models, ...filler.slice(60)];
}

function modelRepo(): TestRepo {
  return makeRepo({
    base: { 'models/old.onnx': { fixture: 'tiny_unet' }, 'models/gone.onnx': { fixture: 'tiny_lstm' }, 'README.md': { text: 'models\n' } },
    head: { write: { 'models/new.onnx': { fixture: 'seed_custom_activation' } }, rename: { 'models/old.onnx': 'models/renamed.onnx' }, remove: ['models/gone.onnx'] },
  });
}

let github: FakeGitHub;
let repo: TestRepo;

beforeAll(buildBundleOnce, 180_000);
beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
  repo = modelRepo();
});
afterEach(() => github.stop());

const run = (extra: { inputs?: Record<string, string>; fork?: boolean; changedFiles?: number } = {}) =>
  runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'pull_request', payload: pullRequestPayload(repo, 7, extra), inputs: extra.inputs ?? {} });

const botComments = () => (github.state.comments.get(7) ?? []).filter((c) => c.user.login === 'github-actions[bot]');

describe('pull request mode', () => {
  test('reads every page of a 101-file PR and converts the added and renamed models, not the removed one', async () => {
    github.state.pullFiles.set(7, prFiles(101));
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The first page carries no page number; the next is the one the Link header named.
    const pages = github.requestsTo('GET', /\/pulls\/7\/files$/).map((r) => r.query.get('page') ?? '1');
    expect(pages).toEqual(['1', '2']);
    expect(JSON.parse(result.outputs.models!)).toEqual(['models/new.onnx', 'models/renamed.onnx']);
    expect(result.outputs.passed).toBe('true');
    expect(result.outputs.report).toBe('coreml-report/report.json');
    const [comment] = botComments();
    expect(botComments()).toHaveLength(1);
    expect(comment!.body.startsWith(MARKER)).toBe(true);
    expect(comment!.body).toContain('renamed');
    expect(comment!.body).toContain('Removed in this pull request');
    expect(result.summary).toContain('Core ML conversion report');
    // No artifact service outside a real runner: the choice is logged, the files stay in report-dir.
    expect(result.stdout).toContain('no artifact service is available');
  });

  test('updates its sticky comment in place on the next run instead of adding another', async () => {
    github.state.pullFiles.set(7, prFiles(5));
    await run();
    const first = botComments()[0]!;
    github.state.comments.get(7)![0]!.body = `${MARKER}\nstale`;
    const second = await run();
    expect(second.code).toBe(0);
    expect(botComments()).toHaveLength(1);
    expect(botComments()[0]!.id).toBe(first.id);
    expect(botComments()[0]!.body).toContain('Core ML conversion report');
    expect(github.requestsTo('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(1);
  });

  test('leaves a comment by someone else that carries the marker alone and posts its own', async () => {
    github.state.pullFiles.set(7, prFiles(5));
    const forged = github.addComment(7, `${MARKER}\nall models passed, merge away`, { login: 'mallory', type: 'User' });
    await run();
    expect(forged.body).toBe(`${MARKER}\nall models passed, merge away`);
    expect(botComments()).toHaveLength(1);
  });

  test('with comment-author, updates the comment a GitHub App posted instead of adding a second one', async () => {
    github.state.pullFiles.set(7, prFiles(5));
    const app = { login: 'coreml-app[bot]', type: 'Bot' };
    const own = github.addComment(7, `${MARKER}\nold report`, app);
    const result = await run({ inputs: { 'comment-author': 'coreml-app[bot]' } });
    expect(result.code).toBe(0);
    expect(own.body).toContain('Core ML conversion report');
    expect(github.state.comments.get(7)).toHaveLength(1);
    expect(github.requestsTo('POST', /\/issues\/7\/comments$/)).toHaveLength(0);
  });

  test('finds its own comment on the third page of a long discussion', async () => {
    github.state.pullFiles.set(7, prFiles(5));
    for (let i = 0; i < 230; i++) github.addComment(7, `comment ${i}`, { login: `user${i}`, type: 'User' });
    const own = github.addComment(7, `${MARKER}\nold report`);
    await run();
    expect(botComments()).toHaveLength(1);
    expect(own.body).toContain('Core ML conversion report');
  });

  test('never posts the token anywhere and sends it only as the Authorization header', async () => {
    github.state.pullFiles.set(7, prFiles(5));
    const result = await run();
    const comments = (github.state.comments.get(7) ?? []).map((c) => c.body);
    // The one place it may appear is the runner command that tells the runner to mask it.
    expect(result.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(visibleText(result, comments).replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    expect(github.state.requests.every((r) => r.authorization === `token ${TOKEN}` || r.path.startsWith('/blob/'))).toBe(true);
  });

  test('fails the step on a failing gate only after the comment and summary are written', async () => {
    const grown = makeRepo({ base: { 'models/a.onnx': { fixture: 'seed_custom_activation' } }, head: { write: { 'models/a.onnx': { fixture: 'tiny_unet' } } } });
    repo = grown;
    github.state.pullFiles.set(7, [{ filename: 'models/a.onnx', status: 'modified' }]);
    const result = await run({ inputs: { 'max-size-increase': '10' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::.*models\/a\.onnx \[fp32\]: package grew/);
    expect(result.outputs.passed).toBe('false');
    expect(botComments()).toHaveLength(1);
    expect(botComments()[0]!.body).toContain('gates failed');
    expect(result.summary).toContain('gates failed');
    expect(result.stdout.indexOf('comment created')).toBeGreaterThan(-1);
    expect(result.stdout.indexOf('comment created')).toBeLessThan(result.stdout.indexOf('::error::'));
  });

  test('updates an earlier comment once the PR no longer changes a model, so it does not show stale results', async () => {
    github.state.pullFiles.set(7, [{ filename: 'README.md', status: 'modified' }]);
    const earlier = github.addComment(7, `${MARKER}\nold results`);
    await run();
    expect(botComments()).toHaveLength(1);
    expect(earlier.body).toContain('No changed file matches');
  });

  test('a file name carrying a workflow command is logged inert and rendered as text', async () => {
    const evil = 'models/x\n::warning::pwned\n[a](https:__evil).onnx';
    repo = makeRepo({ base: { 'README.md': { text: 'x\n' } }, head: { write: { [evil]: { fixture: 'seed_custom_activation' } } } });
    github.state.pullFiles.set(7, [{ filename: evil, status: 'added' }]);
    const result = await run();
    expect(result.stdout.split('\n').some((line) => line.startsWith('::warning::pwned'))).toBe(false);
    // Inside a code span a link is literal text; outside one it would render.
    const outsideCode = botComments()[0]!.body.replace(/`+[^`]*`+/g, '');
    expect(botComments()[0]!.body).toContain('evil');
    expect(outsideCode).not.toContain('[a](');
    expect(JSON.parse(result.outputs.models!)).toEqual([evil]);
  });

  test('does not comment on a PR that changes no model', async () => {
    github.state.pullFiles.set(7, [{ filename: 'README.md', status: 'modified' }]);
    const result = await run();
    expect(result.code).toBe(0);
    expect(JSON.parse(result.outputs.models!)).toEqual([]);
    expect(github.requestsTo('POST', /comments$/)).toHaveLength(0);
    expect(result.summary).toContain('No changed file matches');
  });
});

describe('pull request with more files than the files API lists', () => {
  test('falls back to git diff at 3,001 files and says so in the report', async () => {
    const filler = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`data/f${i}.txt`, { text: `${i}\n` }]));
    repo = makeRepo({ base: { 'README.md': { text: 'x\n' } }, head: { write: { ...filler, 'zz/late.onnx': { fixture: 'seed_custom_activation' } } } });
    // The API stops at 3,000 entries, before the model.
    github.state.pullFiles.set(7, [...Object.keys(filler).map((f) => ({ filename: f, status: 'added' })), { filename: 'zz/late.onnx', status: 'added' }]);
    const result = await run({ changedFiles: 3001 });
    expect(result.code).toBe(0);
    expect(github.requestsTo('GET', /\/pulls\/7\/files$/)).toHaveLength(30);
    expect(JSON.parse(result.outputs.models!)).toEqual(['zz/late.onnx']);
    expect(result.stdout).toContain('listed with git diff');
    expect(botComments()[0]!.body).toContain('git diff');
  });

  test('compares a changed model kept in Git LFS with its base version: the comment has the Δ vs base columns', async () => {
    repo = makeRepo({ lfs: ['*.onnx'], base: { 'models/net.onnx': { fixture: 'tiny_convnet' } }, head: { write: { 'models/net.onnx': { fixture: 'seed_simple_cnn' } } } });
    // What `git show` gives for the base: the pointer, not the model.
    expect(execFileSync('git', ['show', `${repo.baseSha}:models/net.onnx`], { cwd: repo.dir, encoding: 'utf8' })).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\n/);
    github.state.pullFiles.set(7, [{ filename: 'models/net.onnx', status: 'modified' }]);
    const result = await run({ inputs: { variants: 'fp16' } });
    expect(result.code).toBe(0);
    const [comment] = botComments();
    expect(comment!.body).toContain('Δ vs base');
    expect(comment!.body).not.toMatch(/not compared with base|Git LFS pointer/);
  });
});
