import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { ConversionError, ToolError } from '../../src/errors.js';
import { checkFile, convertFile, type PipelineStage } from '../../src/pipeline.js';
import { fixtureModel, makeTempDir } from '../cli/fixtures.js';
import { UNSUPPORTED_NODES, writeLfsPointer, writeTinyModel, writeUnsupportedModel } from '../cli/models.js';

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.remove());

describe('convertFile', () => {
  it('writes a package that reads back with the model inputs and outputs', async () => {
    const out = join(temp.dir, 'nested', 'dir', 'cnn.mlpackage');
    const result = await convertFile(fixtureModel('seed_simple_cnn'), out, { target: 'iOS15', precision: 'fp16' });
    expect(result).toMatchObject({ output: out, target: 'iOS15', precision: 'fp16', unsupported: [] });
    const back = await readMlPackage(out);
    expect(back.inputs.map((i) => i.name)).toHaveLength(1);
    expect(back.outputs.length).toBeGreaterThan(0);
    expect(result.onnxOps['Conv']).toBeGreaterThan(0);
    expect(Object.keys(result.milOps).length).toBeGreaterThan(0);
  });

  it('reports sizes and stage timings that add up to no more than the total', async () => {
    const result = await convertFile(fixtureModel('seed_simple_cnn'), join(temp.dir, 'timed.mlpackage'), { target: 'iOS16', precision: 'fp32' });
    expect(result.onnxBytes).toBe(166444);
    expect(result.sizeBytes).toBeGreaterThan(result.weightBytes);
    // fp32 weights of a 166 KB model take roughly its size again.
    expect(result.weightBytes).toBeGreaterThan(100_000);
    const { load, check, convert, write } = result.timings;
    expect(load + check + convert + write).toBeLessThanOrEqual(result.seconds + 1e-6);
  });

  it('halves the weight file at fp16 compared with fp32', async () => {
    const fp32 = await convertFile(fixtureModel('seed_simple_cnn'), join(temp.dir, 'w32.mlpackage'), { target: 'iOS15', precision: 'fp32' });
    const fp16 = await convertFile(fixtureModel('seed_simple_cnn'), join(temp.dir, 'w16.mlpackage'), { target: 'iOS15', precision: 'fp16' });
    expect(fp16.weightBytes).toBeLessThan(fp32.weightBytes * 0.6);
  });

  it('reports progress per stage, with node counts that reach the total', async () => {
    const seen: { stage: PipelineStage; done: number; total: number }[] = [];
    await convertFile(writeTinyModel(temp.dir), join(temp.dir, 'progress.mlpackage'), {
      target: 'iOS15',
      precision: 'fp16',
      onProgress: (stage, done, total) => seen.push({ stage, done, total }),
    });
    expect(seen[0]).toEqual({ stage: 'load', done: 0, total: 1 });
    expect(seen.at(-1)).toEqual({ stage: 'write', done: 1, total: 1 });
    const converting = seen.filter((s) => s.stage === 'convert');
    expect(converting.length).toBeGreaterThan(0);
    const last = converting.at(-1)!;
    expect(last.done).toBe(last.total);
  });

  it('throws one ConversionError naming every unsupported node and writes nothing', async () => {
    const out = join(temp.dir, 'nothing.mlpackage');
    const failure = await convertFile(writeUnsupportedModel(temp.dir), out, { target: 'iOS15', precision: 'fp16' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConversionError);
    const err = failure as ConversionError;
    expect(err.code).toBe('UNSUPPORTED_OP');
    expect(err.message).toContain('unsupported.onnx');
    expect(err.message).toContain('FrobnicateXyz, WibbleQux');
    expect(err.unsupported.map(({ op, node }) => ({ op, node }))).toEqual(UNSUPPORTED_NODES);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a Git LFS pointer as unreadable input', async () => {
    const failure = await convertFile(writeLfsPointer(temp.dir), join(temp.dir, 'lfs.mlpackage'), { target: 'iOS15', precision: 'fp16' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolError);
    expect((failure as ToolError).code).toBe('LFS_POINTER');
  });
});

describe('checkFile', () => {
  it('lists op coverage without writing anything', async () => {
    const result = await checkFile(fixtureModel('seed_simple_cnn'));
    expect(result.model).toBe(fixtureModel('seed_simple_cnn'));
    expect(result.unsupported).toEqual([]);
    expect(result.ops.map((o) => o.op)).toEqual(expect.arrayContaining(['Conv', 'Relu']));
    expect(result.ops.every((o) => o.supported)).toBe(true);
  });

  it('lists the unsupported nodes beside the supported ones', async () => {
    const result = await checkFile(writeUnsupportedModel(temp.dir));
    expect(result.unsupported.map(({ op, node }) => ({ op, node }))).toEqual(UNSUPPORTED_NODES);
    expect(result.ops.find((o) => o.op === 'Relu')).toMatchObject({ count: 1, supported: true });
  });
});
