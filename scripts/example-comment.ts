// Generates docs/example-comment.md: the pull-request comment the action posts, for a
// pull request that retrains the bundled example (examples/simple_cnn), adds its test data and a second
// model with an op the converter does not support. The pull request is built in a
// temporary git repository, so the comment shows real base deltas without touching this one.
//
// Usage: npm run example-comment  (node scripts/run-ts.mjs scripts/example-comment.ts [OUT.md])
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import type { OnnxModel } from '../src/onnx/ir.js';
import { loadOnnxModel } from '../src/onnx/load.js';
import { runModels } from '../src/run/index.js';

// Paths are taken from the working directory: run-ts executes a bundled copy from a cache folder, and npm runs scripts from the repository root.
const REPO = process.cwd();
const EXAMPLE = join(REPO, 'examples', 'simple_cnn');
const OUTPUT = resolve(process.argv[2] ?? join(REPO, 'docs', 'example-comment.md'));
const VARIANTS = ['fp32', 'fp16', 'int8', 'palettize4'];

if (!existsSync(join(EXAMPLE, 'model.onnx'))) {
  process.stderr.write(`${join('examples', 'simple_cnn', 'model.onnx')} not found; run this from the repository root (npm run example-comment)\n`);
  process.exit(2);
}

/** Fixed identity and dates: the same inputs give the same commits, so the comment only changes when the tool does. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Example',
  GIT_AUTHOR_EMAIL: 'example@example.com',
  GIT_COMMITTER_NAME: 'Example',
  GIT_COMMITTER_EMAIL: 'example@example.com',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
}

/** Deterministic noise (a 32-bit LCG): the "older checkpoint" is the example's weights, slightly off. */
function perturbWeights(model: OnnxModel, relative: number): void {
  let state = 12345;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (const tensor of model.graph.initializers.values()) {
    if (tensor.dtype !== 'float32') continue;
    const data = tensor.data as Float32Array;
    const scale = relative * Math.sqrt(data.reduce((s, x) => s + x * x, 0) / Math.max(1, data.length));
    for (let i = 0; i < data.length; i++) data[i] = data[i]! + scale * uniform();
  }
}

/** The example with its first Relu replaced by an op from a custom domain, as a model with a custom kernel would have. */
function withCustomActivation(model: OnnxModel): OnnxModel {
  const nodes = model.graph.nodes.map((n) => ({ ...n }));
  const relu = nodes.find((n) => n.opType === 'Relu');
  if (!relu) throw new Error('the example has no Relu to replace');
  relu.opType = 'FancyActivation';
  relu.domain = 'com.example';
  return { ...model, opsetImports: new Map([...model.opsetImports, ['com.example', 1]]), graph: { ...model.graph, nodes } };
}

async function buildPullRequest(repo: string): Promise<string> {
  const modelDir = join(repo, 'models', 'simple_cnn');
  mkdirSync(modelDir, { recursive: true });
  const older = await loadOnnxModel(join(EXAMPLE, 'model.onnx'));
  perturbWeights(older, 0.05);
  writeFileSync(join(modelDir, 'model.onnx'), encodeOnnxModel(older));
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base: simple_cnn, older checkpoint');
  const base = git(repo, 'rev-parse', 'HEAD').trim();

  // The pull request: the retrained example with its test data (the base, without any, is
  // checked against onnxruntime), and a new model with a custom op.
  cpSync(join(EXAMPLE, 'model.onnx'), join(modelDir, 'model.onnx'));
  cpSync(join(EXAMPLE, 'test_data_set_0'), join(modelDir, 'test_data_set_0'), { recursive: true });
  const customDir = join(repo, 'models', 'custom_activation');
  mkdirSync(customDir, { recursive: true });
  writeFileSync(join(customDir, 'model.onnx'), encodeOnnxModel(withCustomActivation(await loadOnnxModel(join(EXAMPLE, 'model.onnx')))));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'retrain simple_cnn, add its test data and custom_activation');
  return base;
}

const repo = mkdtempSync(join(tmpdir(), 'example-comment-'));
try {
  const base = await buildPullRequest(repo);
  const report = await runModels({
    models: ['models/simple_cnn/model.onnx', 'models/custom_activation/model.onnx'],
    outDir: 'out',
    variants: VARIANTS,
    target: 'iOS15',
    baseRef: base,
    gates: { failOnUnsupported: false, maxSizeIncrease: 10 },
    cwd: repo,
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  const comment = readFileSync(join(repo, 'out', 'comment.md'), 'utf8');
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, comment);
  process.stderr.write(`wrote ${OUTPUT} (${report.models.length} models, ${report.passed ? 'gates passed' : 'gates failed'})\n`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
