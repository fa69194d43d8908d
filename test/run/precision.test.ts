import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/report/files.js';
import type { RunReport, VariantResult } from '../../src/report/schema.js';
import { runModels } from '../../src/run/index.js';
import { makeTempDir } from '../cli/fixtures.js';
import { layerNormBlockBytes } from '../verify/layernorm-block.js';

/**
 * A model whose plain fp16 fails because fp16 itself overflows (a hand-written LayerNorm
 * over activations of a few hundred), run through the whole pipeline with onnxruntime
 * references on seeded inputs: the failing variant names where it leaves fp32, in
 * report.json and in one line of the comment, and fp16-auto passes by keeping a few ops
 * in fp32. A model whose fp16 already passes keeps none.
 */

let temp: ReturnType<typeof makeTempDir>;
let report: RunReport;
let comment: string;
beforeAll(async () => {
  temp = makeTempDir();
  writeFileSync(join(temp.dir, 'block.onnx'), layerNormBlockBytes(60));
  report = await runModels({ models: ['block.onnx'], outDir: 'out', variants: ['fp32', 'fp16', 'fp16-auto'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: temp.dir, jobs: 1 });
  await writeReportFiles(join(temp.dir, 'out'), report);
  comment = readFileSync(join(temp.dir, 'out', 'comment.md'), 'utf8');
}, 120_000);
afterAll(() => temp.remove());

const variant = (name: string): VariantResult => report.models[0]!.variants.find((v) => v.name === name)!;

describe('a failing fp16 variant in the report', () => {
  it('fails its gate against onnxruntime while fp32 passes', () => {
    expect(report.models[0]!.reference).toBe('onnxruntime');
    expect(variant('fp32').status).toBe('passed');
    expect(variant('fp16').status).toBe('failed');
    expect(variant('fp32')).not.toHaveProperty('firstDivergence');
  });

  it('names the first diverging op and ONNX node in report.json', () => {
    const json = JSON.parse(readFileSync(join(temp.dir, 'out', 'report.json'), 'utf8')) as RunReport;
    const first = json.models[0]!.variants.find((v) => v.name === 'fp16')!.firstDivergence!;
    expect(first).toMatchObject({ op: 'pow', onnxNode: 'Pow_squared', outputName: 'squared', error: { kind: 'overflow' } });
    expect(first.variantRange[1]).toBe('+inf');
  });

  it('says it in one line of the comment, names in code spans', () => {
    const lines = comment.split('\n').filter((l) => l.includes('first leaves fp32'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^- \*\*fp16\*\* first leaves fp32 at `pow` \(ONNX node `Pow_squared`, output `squared`\): overflow to ±inf in \d+ of 1024 values/);
  });
});

describe('fp16-auto', () => {
  it('passes the fp16 gate where plain fp16 fails, keeping a few LayerNorm ops in fp32', () => {
    const auto = variant('fp16-auto');
    expect(auto.status).toBe('passed');
    expect(auto.outputs[0]!.psnrDb).toBeGreaterThanOrEqual(40);
    expect(variant('fp16').outputs[0]!.psnrDb).toBeLessThan(40);
    const kept = auto.fp32Ops!;
    expect(kept.budget).toBeGreaterThan(0);
    expect(kept.count).toBe(kept.ops.length);
    expect(kept.count).toBeGreaterThan(0);
    expect(kept.count).toBeLessThanOrEqual(5);
    expect(kept.ops.map((o) => o.onnxNode)).toContain('Pow_squared');
    expect(auto).not.toHaveProperty('firstDivergence');
  });

  it('says in the comment how many ops stayed fp32 and which', () => {
    // The variant name is escaped like every name in the comment: fp16\-auto.
    const line = comment.split('\n').find((l) => l.startsWith('- **fp16\\-auto** keeps'));
    expect(line).toMatch(new RegExp(`keeps ${variant('fp16-auto').fp32Ops!.count} ops in fp32 \\(budget \\d+\\): \`pow\` \\(\`Pow_squared\`\\)`));
  });

  it('keeps nothing on a model whose plain fp16 passes', async () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models', 'resnet_mini');
    cpSync(fixture, join(temp.dir, 'resnet'), { recursive: true });
    const run = await runModels({ models: ['resnet/model.onnx'], outDir: 'out2', variants: ['fp16', 'fp16-auto'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: temp.dir, jobs: 1 });
    const [fp16, auto] = run.models[0]!.variants;
    expect(run.models[0]!.reference).toBe('test data');
    expect(fp16!.status).toBe('passed');
    expect(auto!.status).toBe('passed');
    expect(auto!.fp32Ops).toMatchObject({ count: 0, ops: [] });
  }, 120_000);
});
