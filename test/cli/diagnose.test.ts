import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { layerNormBlockBytes } from '../verify/layernorm-block.js';
import { captureIO, fixtureDir, fixtureModel, makeTempDir } from './fixtures.js';

/**
 * `verify --json` names the first op where a failing fp16 package leaves fp32, and
 * `diagnose` prints every op's error: on a block whose hand-written LayerNorm squares
 * activations of a few hundred past fp16's 65504.
 */

let temp: ReturnType<typeof makeTempDir>;
let onnx: string;
let fp16: string;
beforeAll(async () => {
  temp = makeTempDir();
  onnx = join(temp.dir, 'block.onnx');
  writeFileSync(onnx, layerNormBlockBytes(60));
  fp16 = join(temp.dir, 'block.mlpackage');
  expect(await main(['convert', onnx, '-o', fp16], captureIO())).toBe(0);
});
afterAll(() => temp.remove());

describe('verify --json on a failing fp16 package', () => {
  it('names the first diverging op, its ONNX node, output, error and both ranges', async () => {
    const io = captureIO();
    expect(await main(['verify', fp16, '--onnx', onnx, '--json'], io)).toBe(1);
    const report = JSON.parse(io.out()) as { pass: boolean; firstDivergence: Record<string, unknown> };
    expect(report.pass).toBe(false);
    expect(Object.keys(report.firstDivergence).sort()).toEqual(['error', 'fp32Range', 'onnxNode', 'op', 'outputName', 'variantRange']);
    expect(report.firstDivergence).toMatchObject({ op: 'pow', onnxNode: 'Pow_squared', outputName: 'squared', error: { kind: 'overflow' } });
    expect((report.firstDivergence['fp32Range'] as number[])[1]).toBeGreaterThan(65504);
    expect((report.firstDivergence['variantRange'] as unknown[])[1]).toBe('+inf');
  });

  it('says it in one line in the human report', async () => {
    const io = captureIO();
    expect(await main(['verify', fp16, '--onnx', onnx], io)).toBe(1);
    const line = io.out().split('\n').find((l) => l.includes('first divergence'));
    expect(line).toMatch(/"pow" \(ONNX node "Pow_squared", output "squared"\): overflow to ±inf in \d+ of 1024 values/);
  });

  it('has no firstDivergence when the package passes', async () => {
    const out = join(temp.dir, 'cnn.mlpackage');
    expect(await main(['convert', fixtureModel('seed_simple_cnn'), '-o', out], captureIO())).toBe(0);
    const io = captureIO();
    expect(await main(['verify', out, '--data', fixtureDir('seed_simple_cnn'), '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).not.toHaveProperty('firstDivergence');
  });
});

describe('diagnose', () => {
  it('prints the per-op profile against the fp32 conversion with the first divergence marked', async () => {
    const io = captureIO();
    expect(await main(['diagnose', fp16, '--onnx', onnx], io)).toBe(0);
    const lines = io.out().split('\n');
    expect(lines[0]).toContain('compared with the ONNX model converted at fp32');
    expect(lines.find((l) => l.startsWith('▶'))).toMatch(/pow .*overflow ×\d+.*\+inf\]\s+squared \(Pow_squared\)/);
    // The ops before the square are within fp16's noise, the ones after inherit its overflow.
    expect(lines.filter((l) => / (linear|add|reduce_mean|sub|pow|sqrt|real_div|mul|relu) /.test(l)).length).toBeGreaterThanOrEqual(14);
  });

  it('--json gives every op and, with --data, compares with the package computed in fp32', async () => {
    const io = captureIO();
    const cnn = join(temp.dir, 'cnn_int8.mlpackage');
    expect(await main(['convert', fixtureModel('seed_simple_cnn'), '--compress', 'int8', '-o', cnn], captureIO())).toBe(0);
    expect(await main(['diagnose', cnn, '--data', fixtureDir('seed_simple_cnn'), '--json'], io)).toBe(0);
    const report = JSON.parse(io.out()) as { fp32: string; ops: { op: string; error: { relative: number } }[]; firstDivergence: unknown };
    expect(report.fp32).toBe("the package's own program computed in fp32");
    expect(report.ops.length).toBeGreaterThan(2);
    for (const op of report.ops) expect(op.error.relative).toBeLessThan(1e-2);
    expect(report.firstDivergence).toBeNull();
  });

  it('refuses a call without a reference source', async () => {
    const io = captureIO();
    expect(await main(['diagnose', fp16], io)).toBe(2);
    expect(io.err()).toMatch(/--data DIR or --onnx/);
  });
});

describe('convert --precision auto', () => {
  it('writes a package that passes the fp16 gate, says which ops stayed fp32, and verify reads them back from the program', async () => {
    const out = join(temp.dir, 'block_auto.mlpackage');
    const io = captureIO();
    expect(await main(['convert', onnx, '--precision', 'auto', '-o', out, '--json'], io)).toBe(0);
    const converted = JSON.parse(io.out()) as { precision: string; fp32Ops: { count: number; budget: number; ops: { op: string; onnxNode: string; outputName: string }[] } };
    expect(converted.precision).toBe('auto');
    expect(converted.fp32Ops.count).toBeGreaterThan(0);
    expect(converted.fp32Ops.count).toBeLessThanOrEqual(converted.fp32Ops.budget);
    expect(converted.fp32Ops.ops.map((o) => o.onnxNode)).toContain('Pow_squared');

    const verified = captureIO();
    expect(await main(['verify', out, '--onnx', onnx, '--json'], verified)).toBe(0);
    const report = JSON.parse(verified.out()) as { pass: boolean; fp32Ops: { count: number; ops: { outputName: string }[] } };
    expect(report.pass).toBe(true);
    expect(report.fp32Ops.ops.map((o) => o.outputName)).toEqual(converted.fp32Ops.ops.map((o) => o.outputName));
  });

  it('refuses --compress beside it', async () => {
    const io = captureIO();
    expect(await main(['convert', onnx, '--precision', 'auto', '--compress', 'int8', '-o', join(temp.dir, 'x.mlpackage')], io)).toBe(2);
    expect(io.err()).toMatch(/--precision auto cannot be combined with --compress/);
  });
});
