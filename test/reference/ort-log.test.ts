import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { captureIO, makeTempDir, REPO_DIR } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * onnxruntime logs a warning that quotes the name of an unused initializer.
 * With a name holding workflow commands, that raw line would be a real
 * `::warning` and `::add-mask::` in an Actions log; the engine's logger must
 * stay silent in-process and in the killable child process alike. Native
 * logging writes straight to file descriptor 2, so the CLI runs as a process.
 */

const INJECTED = 'w\n::warning title=X::injected\n::add-mask::onnx';

let temp: ReturnType<typeof makeTempDir>;
let modelPath: string;
let pkg: string;
beforeAll(async () => {
  temp = makeTempDir();
  const m = model({
    nodes: [node('Relu', ['x'], ['y'])],
    inputs: [valueInfo('x', 'float32', [1, 4])],
    outputs: [valueInfo('y', 'float32', [1, 4])],
    initializers: { [INJECTED]: makeTensor('float32', [1], Float32Array.of(1)) },
  });
  modelPath = join(temp.dir, 'injected.onnx');
  writeFileSync(modelPath, encodeOnnxModel(m));
  pkg = join(temp.dir, 'injected.mlpackage');
  expect(await main(['convert', modelPath, '-o', pkg, '--precision', 'fp32'], captureIO())).toBe(0);
});
afterAll(() => temp.remove());

function runCli(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(REPO_DIR, 'scripts', 'run-ts.mjs'), join(REPO_DIR, 'src', 'cli.ts'), ...args], { encoding: 'utf8', cwd: REPO_DIR });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe("onnxruntime's logger cannot inject workflow commands", () => {
  it('verify --onnx: no line of stderr or stdout starts a workflow command, and the verdict is still given', () => {
    const r = runCli(['verify', pkg, '--onnx', modelPath]);
    for (const stream of [r.stderr, r.stdout]) expect(stream).not.toMatch(/^::(warning|add-mask)/m);
    expect(r.stderr).not.toMatch(/Removing initializer/);
    expect(r.stdout).toMatch(/PASS/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('report (onnxruntime in a child process with a time limit): no workflow command either', () => {
    const r = runCli(['report', modelPath, '--out', join(temp.dir, 'out'), '--variants', 'fp32', '--timeout', '60']);
    for (const stream of [r.stderr, r.stdout]) expect(stream).not.toMatch(/^::(warning|add-mask)/m);
    expect(r.stderr).not.toMatch(/Removing initializer/);
  }, 120_000);

  for (const engine of ['onnxruntime-node', 'onnxruntime-web']) {
    it(`${engine}, in process and in the child process: nothing it writes starts a workflow command`, () => {
      const r = spawnSync(process.execPath, [join(REPO_DIR, 'scripts', 'run-ts.mjs'), join(REPO_DIR, 'test', 'reference', 'ort-log-engine.ts'), engine, modelPath], { encoding: 'utf8', cwd: REPO_DIR });
      expect(r.status, r.stderr).toBe(0);
      for (const stream of [r.stderr, r.stdout]) expect(stream).not.toMatch(/^::(warning|add-mask)/m);
      expect(r.stderr + r.stdout).not.toMatch(/Removing initializer/);
    }, 120_000);
  }
});
