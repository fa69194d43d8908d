import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onnx } from '../../src/gen/onnx.js';
import { main } from '../../src/cli/main.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { GITHUB_COMMENT_LIMIT, fitCommentBody } from '../../src/report/truncate.js';
import { captureIO, makeTempDir } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { SECRET, expectGoodModelPassed, expectNoLeaks, goodModel, goodModelBytes, resultFor, runWhole, writeGoodModel } from './harness.js';

/** §6 "Untrusted strings", cases 26–29: names and file names written by whoever opened the pull request. */

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  writeGoodModel(temp.dir);
});
afterEach(() => temp.remove());

const WORKFLOW_COMMANDS = ['\n::warning::x', '\r\n::add-mask::x', '\n::stop-commands::tok', '\u2028::error::y'];

const MARKDOWN_ATTACKS = [
  '```` x ````',
  'a|b|c',
  '[t](https://evil.example)',
  '![](https://track.example/p.png)',
  '@org/team',
  '#1',
  '<!-- Sticky Pull Request Comment -->',
  '</code></pre><b>x</b>',
  '<img src=x>',
  '*bold* _it_ ~~s~~',
];

/** x → Relu → one unknown node per hostile name (as op type and node name) → y. */
function hostileNamesModel(names: readonly string[]): Uint8Array {
  let prev = 'x';
  const nodes = names.map((name, i) => {
    const n = { ...node(`Bad${i}_${name}`, [prev], [`t${i}`]), name };
    prev = `t${i}`;
    return n;
  });
  return encodeOnnxModel(
    model({ nodes: [node('Relu', ['x'], ['r']), ...nodes.map((n, i) => (i === 0 ? { ...n, inputs: ['r'] } : n))], inputs: [valueInfo('x', 'float32', [1, 4])], outputs: [valueInfo(prev, 'float32', [1, 4])] }),
  );
}

/** The parts of a Markdown text outside inline code spans (which GitHub renders literally). */
function outsideCodeSpans(md: string): string {
  let out = '';
  let i = 0;
  while (i < md.length) {
    const tick = /`+/g;
    tick.lastIndex = i;
    const open = tick.exec(md);
    if (!open) return out + md.slice(i);
    out += md.slice(i, open.index);
    const close = new RegExp(`(?<!\`)${open[0]}(?!\`)`, 'g');
    close.lastIndex = open.index + open[0].length;
    const end = close.exec(md);
    if (!end) return out + md.slice(open.index);
    i = end.index + end[0].length;
  }
  return out;
}

/** Unescaped `|` in a table row: the cell separators GitHub sees (GFM splits on them even inside code spans). */
const cellSeparators = (row: string): number => (row.match(/(?<!\\)\|/g) ?? []).length;

function expectInertMarkdown(comment: string): void {
  const text = outsideCodeSpans(comment);
  expect(comment).not.toContain('<!--');
  expect(comment).not.toMatch(/@[A-Za-z0-9]/); // every @ is followed by a zero-width space
  expect(text).not.toMatch(/(?<!\\)\]\((?!\s)/); // no [text](url)
  expect(text).not.toMatch(/(?<!\\)!\[/); // no images
  expect(text).not.toMatch(/(?<!\\)#\d/); // no issue references
  expect(text).not.toMatch(/<(?!\/?(details|summary|sub)\b)[a-z/!]/i); // only the renderer's own tags
  expect(text).not.toMatch(/https?:\/\//); // no autolinks outside code spans: every "://" carries a zero-width space
  // Every table row has as many cells as its header.
  const lines = comment.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (!lines[k]!.startsWith('|') || k === 0 || lines[k - 1]!.startsWith('|')) continue;
    const width = cellSeparators(lines[k]!);
    for (let j = k + 1; j < lines.length && lines[j]!.startsWith('|'); j++) expect(cellSeparators(lines[j]!), lines[j]).toBe(width);
  }
}

describe('untrusted strings', () => {
  it('case 26: node names and file names carrying workflow commands never start a log line with "::" (CLI report and check)', async () => {
    const names = WORKFLOW_COMMANDS.map((c, i) => `n${i}${c}`);
    const file = 'evil\n::warning file=a::pwned.onnx';
    writeFileSync(join(temp.dir, file), hostileNamesModel(names));
    const io = captureIO();
    const code = await main(['report', temp.dir, '--out', join(temp.dir, 'out'), '--variants', 'fp32'], io);
    expect(code).toBe(1);
    const check = captureIO();
    await main(['check', join(temp.dir, file)], check);
    for (const output of [io.out(), io.err(), check.out(), check.err()]) {
      for (const line of output.split(/\r\n|\r|\n|\u2028|\u2029/)) expect(line, line).not.toMatch(/^\s*::/);
    }
    expect(check.out() + check.err()).toContain('n0\\n::warning::x');
    expect(io.out() + io.err()).not.toContain(SECRET);
  });

  it('case 26: the comment and report.json keep such names on one line, with no line starting with "::"', async () => {
    writeFileSync(join(temp.dir, 'cmds.onnx'), hostileNamesModel(WORKFLOW_COMMANDS.map((c) => `n${c}`)));
    const run = await runWhole(temp.dir, ['cmds.onnx', 'good.onnx']);
    expect(resultFor(run, 'cmds.onnx').status).toBe('unsupported');
    for (const line of run.comment.split('\n')) expect(line).not.toMatch(/^\s*::/);
    expect(run.json.split('\n').some((l) => /^\s*::/.test(l))).toBe(false);
    expectGoodModelPassed(run);
  });

  it('case 27: backticks, pipes, links, images, mentions, issue refs, sticky markers and HTML in names render as literal text', async () => {
    writeFileSync(join(temp.dir, 'md.onnx'), hostileNamesModel(MARKDOWN_ATTACKS));
    // The same strings inside an error message: an initializer with a hostile name and the wrong payload size.
    const proto = onnx.ModelProto.decode(goodModelBytes());
    const w = proto.graph!.initializer![0]!;
    w.name = MARKDOWN_ATTACKS.join(' ');
    w.rawData = new Uint8Array(3);
    writeFileSync(join(temp.dir, 'md-error.onnx'), onnx.ModelProto.encode(proto).finish());
    writeFileSync(join(temp.dir, '[x](https:evil) @team #2 `a`.onnx'), goodModelBytes());
    const run = await runWhole(temp.dir, ['md.onnx', 'md-error.onnx', '[x](https:evil) @team #2 `a`.onnx', 'good.onnx']);
    expect(resultFor(run, 'md.onnx').status).toBe('unsupported');
    expect(resultFor(run, 'md-error.onnx').error?.code).toBe('MALFORMED');
    expectGoodModelPassed(run, '[x](https:evil) @team #2 `a`.onnx');
    expectGoodModelPassed(run);
    expectInertMarkdown(run.comment);
    expectNoLeaks(run);
  });

  it('case 28: file names with spaces, a leading "-", a newline, NFD accents, 255-byte components and :"* are processed, and output folders are safe slugs', async () => {
    const names = ['with space.onnx', '-rf --help.onnx', 'line\nbreak.onnx', 'cafe\u0301.onnx', `${'a'.repeat(250)}.onnx`, 'c:o"l*o?n.onnx'];
    for (const name of names) writeFileSync(join(temp.dir, name), goodModelBytes());
    const run = await runWhole(temp.dir, [...names, 'good.onnx']);
    for (const name of names) expectGoodModelPassed(run, name);
    const folders = readdirSync(join(temp.dir, 'out')).filter((f) => statSync(join(temp.dir, 'out', f)).isDirectory());
    expect(folders).toHaveLength(names.length + 1);
    for (const f of folders) {
      expect(f).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/);
    }
    expectInertMarkdown(run.comment);
  });

  it('case 28: the CLI finds and reports such files through folder discovery, with a leading "-" never taken as an option', async () => {
    for (const name of ['-rf --help.onnx', 'line\nbreak.onnx']) writeFileSync(join(temp.dir, name), goodModelBytes());
    const io = captureIO();
    const code = await main(['report', temp.dir, '--out', join(temp.dir, 'out'), '--variants', 'fp32', '--json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(io.out()) as { models: { path: string; status: string }[] };
    expect(report.models.map((m) => m.status)).toEqual(['passed', 'passed', 'passed']);
  });

  it('case 29: multi-megabyte doc_string, metadata and names are kept out of the comment and cut in error messages', async () => {
    const m = goodModel();
    m.docString = 'D'.repeat(4_000_000);
    m.graph.docString = 'G'.repeat(1_000_000);
    m.metadata.set('k'.repeat(1_000_000), 'v'.repeat(2_000_000));
    m.graph.nodes[0]!.docString = 'N'.repeat(1_000_000);
    writeFileSync(join(temp.dir, 'docs.onnx'), encodeOnnxModel(m));
    // A 3 MB tensor name quoted by an error.
    const proto = onnx.ModelProto.decode(goodModelBytes());
    const w = proto.graph!.initializer![0]!;
    w.name = 'W'.repeat(3_000_000);
    proto.graph!.node![0]!.input![1] = w.name;
    w.rawData = new Uint8Array(5);
    writeFileSync(join(temp.dir, 'long-name.onnx'), onnx.ModelProto.encode(proto).finish());

    const run = await runWhole(temp.dir, ['docs.onnx', 'long-name.onnx', 'good.onnx']);
    expectGoodModelPassed(run, 'docs.onnx');
    expect(resultFor(run, 'long-name.onnx').error?.code).toBe('MALFORMED');
    expect(run.comment.length).toBeLessThan(20_000);
    expect(run.json.length).toBeLessThan(50_000);
    expect(readFileSync(join(temp.dir, 'out', 'comment.md'), 'utf8')).not.toContain('DDDDDDDDDD');
    expectGoodModelPassed(run);
  });

  it('case 37 (renderer side; the posting is in test/e2e/faults.test.ts): a 4-byte emoji straddling the cut is never split, and the body fits both GitHub limits', () => {
    for (const shift of [0, 1, 2, 3]) {
      const line = `${'x'.repeat(97 + shift)}😀|\n`;
      const body = `<details><summary>s</summary>\n\n${line.repeat(2000)}</details>\n`;
      const fitted = fitCommentBody(body, 'full report in the artifact');
      expect(Array.from(fitted).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(fitted.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(Buffer.byteLength(fitted, 'utf8')).toBeLessThanOrEqual(262_144);
      expect(fitted).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      expect(fitted).toContain('full report in the artifact');
      expect(fitted.match(/<details/g)!.length).toBe(fitted.match(/<\/details>/g)!.length);
    }
    // No newline to cut at: the cut still falls between code points.
    const flat = '😀'.repeat(40_000);
    const fitted = fitCommentBody(flat, 'cut');
    expect(fitted.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(fitted).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
