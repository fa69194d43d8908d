import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readMlPackage } from '../../src/coreml/package.js';
import { walkOperations } from '../../src/mil/ir.js';
import { captureIO, fixtureModel, makeTempDir } from './fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

async function opTypes(packagePath: string): Promise<string[]> {
  const model = await readMlPackage(packagePath);
  return [...walkOperations(model.program.functions['main']!.block)].map((op) => op.type);
}

describe('onnx-coreml convert --compress', () => {
  it('writes compressed weights and raises the target, with a warning, when the variant needs it', async () => {
    const output = join(temp.dir, 'cnn.mlpackage');
    const io = captureIO();
    const code = await main(['convert', fixtureModel('seed_simple_cnn'), '-o', output, '--compress', 'int8', '--json'], io);
    expect(code).toBe(0);
    const result = JSON.parse(io.out()) as { target: string; warnings: string[]; milOps: Record<string, number> };
    expect(result.target).toBe('iOS16');
    expect(result.warnings).toContain('int8 needs iOS16 or later; deployment target raised from iOS15 to iOS16');
    expect(result.milOps['constexpr_affine_dequantize']).toBeGreaterThan(0);
    expect(await opTypes(output)).toContain('constexpr_affine_dequantize');
  });

  it('prints the raised-target warning on stderr without --json', async () => {
    const io = captureIO();
    const code = await main(['convert', fixtureModel('seed_simple_cnn'), '-o', join(temp.dir, 'p.mlpackage'), '--compress', 'palettize4'], io);
    expect(code).toBe(0);
    expect(io.err()).toContain('warning: palettize4 needs iOS16 or later; deployment target raised from iOS15 to iOS16');
  });

  it('keeps a target that is already new enough, silently', async () => {
    const io = captureIO();
    const output = join(temp.dir, 'p.mlpackage');
    const code = await main(['convert', fixtureModel('seed_simple_cnn'), '-o', output, '--compress', 'int8', '--target', 'iOS17', '--json'], io);
    expect(code).toBe(0);
    const result = JSON.parse(io.out()) as { target: string; warnings: string[] };
    expect(result.target).toBe('iOS17');
    expect(result.warnings.filter((w) => w.includes('raised'))).toEqual([]);
    expect(await opTypes(output)).toContain('constexpr_affine_dequantize');
  });

  it('refuses an unknown compression with exit 2, listing the ones it knows', async () => {
    const io = captureIO();
    const code = await main(['convert', fixtureModel('seed_simple_cnn'), '--compress', 'fp16'], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/--compress must be one of int8, int4, palettize1, .*prune50, got 'fp16'/);
  });
});
