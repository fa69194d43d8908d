import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxGraph } from '../../src/onnx/ir.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { captureIO, makeTempDir, STACK_LINE } from '../cli/fixtures.js';
import { writeTinyModel, writeUnsupportedModel } from '../cli/models.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/** The smaller gaps of issue 15 (points 6 and 7), each as the behaviour that closes it. */

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.remove());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('report names every .onnx entry it skips, with the reason', () => {
  it('a FIFO, a directory and a link out of the tree are each named; the readable model still runs', async () => {
    const dir = join(temp.dir, 'tree');
    mkdirSync(dir);
    writeTinyModel(dir, 'good.onnx');
    execFileSync('mkfifo', [join(dir, 'pipe.onnx')]);
    mkdirSync(join(dir, 'folder.onnx'));
    symlinkSync('/etc/passwd', join(dir, 'out.onnx'));
    const { err } = await run(['report', dir, '--out', join(temp.dir, 'tree-out'), '--variants', 'fp32', '--json']);
    expect(err).toContain(`skipped ${join(dir, 'pipe.onnx')}: is a FIFO (named pipe), not a regular file`);
    expect(err).toContain(`skipped ${join(dir, 'folder.onnx')}: is a directory, not a model file`);
    expect(err).toContain(`skipped ${join(dir, 'out.onnx')}: is a symbolic link that leads outside its folder; not read`);
    expect(err).not.toMatch(/root:/);
  }, 120_000);

  it('a folder holding only unreadable entries exits 2 saying why', async () => {
    const dir = join(temp.dir, 'only-fifo');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'pipe.onnx')]);
    const { code, err } = await run(['report', dir, '--out', join(temp.dir, 'fifo-out')]);
    expect(err).toMatch(/the folder holds no \.onnx files it can read \(skipped .*pipe\.onnx: is a FIFO/);
    expect(code).toBe(2);
  });

  it('exit 2 comes with the reason on stderr, also under --json', async () => {
    const bad = join(temp.dir, 'garbage.onnx');
    writeFileSync(bad, 'not a model at all');
    const { code, err } = await run(['report', bad, '--out', join(temp.dir, 'garbage-out'), '--json']);
    expect(err).toMatch(/error: .*garbage\.onnx/);
    expect(err).not.toMatch(STACK_LINE);
    expect(code).toBe(2);
  }, 60_000);
});

describe('command-line gaps', () => {
  it("--timeout -1 is a usage error in the tool's words, not node's parser paragraph", async () => {
    const { code, err } = await run(['report', 'x.onnx', '--out', join(temp.dir, 'o'), '--timeout', '-1']);
    expect(err).toMatch(/--timeout needs a value; a value starting with '-' is written --timeout=-VALUE/);
    expect(err).not.toMatch(/ambiguous|Did you forget/);
    expect(code).toBe(2);
    const negative = await run(['report', 'x.onnx', '--out', join(temp.dir, 'o'), '--timeout=-1']);
    expect(negative.err).toMatch(/--timeout/);
    expect(negative.err).toMatch(/positive number of seconds/);
    expect(negative.code).toBe(2);
  });

  it('check --json exits 1 with the reason on stderr, and stdout still one JSON object', async () => {
    const { code, out, err } = await run(['check', writeUnsupportedModel(temp.dir), '--json']);
    expect(() => JSON.parse(out)).not.toThrow();
    expect(err).toMatch(/2 node\(s\) use ops that cannot be converted \(FrobnicateXyz, WibbleQux\)/);
    expect(code).toBe(1);
  });

  it('report has a per-model time limit by default, as the action does', async () => {
    const { out } = await run(['report', '--help']);
    expect(out).toMatch(/--timeout SECONDS +time limit per model \(default: 600, as the action\)/);
  });
});

describe('test data with an output the model does not have', () => {
  it('verify refuses it, naming the extra tensor', async () => {
    const modelPath = writeTinyModel(temp.dir, 'extra.onnx');
    const pkg = join(temp.dir, 'extra.mlpackage');
    expect((await run(['convert', modelPath, '-o', pkg, '--precision', 'fp32'])).code).toBe(0);
    const set = join(temp.dir, 'extra-data', 'test_data_set_0');
    mkdirSync(set, { recursive: true });
    writeFileSync(join(set, 'input_0.pb'), encodeTensorProto('x', makeTensor('float32', [1, 4], Float32Array.of(1, 2, 3, 4))));
    writeFileSync(join(set, 'output_0.pb'), encodeTensorProto('y', makeTensor('float32', [1, 3], Float32Array.of(0, 0, 0))));
    writeFileSync(join(set, 'output_1.pb'), encodeTensorProto('ghost', makeTensor('float32', [1], Float32Array.of(0))));
    const { code, err } = await run(['verify', pkg, '--data', join(temp.dir, 'extra-data')]);
    expect(err).toMatch(/test_data_set_0 has 2 expected outputs, but the model has 1; "ghost" match no model output/);
    expect(code).toBe(2);
  });
});

describe('nested If', () => {
  /** If nested `depth` levels with both branches nested again: 2^(depth+1) − 2 bodies. */
  function nest(level: number, tag: string): OnnxGraph {
    const out = `o${level}${tag}`;
    const nodes =
      level === 0
        ? [node('Relu', ['x'], [out])]
        : [node('If', ['c'], [out], { then_branch: { type: 'graph', value: nest(level - 1, `${tag}t`) }, else_branch: { type: 'graph', value: nest(level - 1, `${tag}e`) } })];
    return { name: `g${tag}`, nodes, inputs: [], outputs: [valueInfo(out, 'float32', [1, 4])], initializers: new Map(), valueInfo: new Map() };
  }

  it('a tree of 2046 bodies (10 levels) is refused by the subgraph count before any work on it, quickly', async () => {
    const g = nest(10, 'm');
    const path = join(temp.dir, 'nested.onnx');
    writeFileSync(path, encodeOnnxModel(model({ nodes: g.nodes, inputs: [valueInfo('x', 'float32', [1, 4]), valueInfo('c', 'bool', [])], outputs: g.outputs })));
    const started = performance.now();
    const { code, err } = await run(['check', path]);
    expect(err).toMatch(/the model has more than 1024 subgraphs \(If, Loop and Scan bodies\)/);
    expect(code).toBe(2);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
