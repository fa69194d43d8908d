import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { runModels, type RunOptions } from '../../src/run/index.js';
import { makeTempDir } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

function options(models: string[], extra: Partial<RunOptions> = {}): RunOptions {
  return { models, outDir: 'out', variants: ['fp32'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: temp.dir, ...extra };
}

/** INPUT[N, 4] → Relu → y with a symbolic batch. */
function writeBatchModel(file: string, input: string): string {
  const m = model({ nodes: [node('Relu', [input], ['y'])], inputs: [valueInfo(input, 'float32', ['N', 4])], outputs: [valueInfo('y', 'float32', ['N', 4])] });
  writeFileSync(join(temp.dir, file), encodeOnnxModel(m));
  return file;
}

describe('runModels with input shapes', () => {
  it('converts and verifies at the given shape, and leaves models without that input alone', async () => {
    const models = [writeBatchModel('shaped.onnx', 'x'), writeBatchModel('other.onnx', 'a')];
    const report = await runModels(options(models, { inputShapes: { x: [3, 4] } }));
    const [shaped, other] = report.models;
    expect(shaped!.status).toBe('passed');
    expect(shaped!.warnings.join('\n')).not.toMatch(/set to 1/);
    expect((await readMlPackage(join(temp.dir, 'out', 'shaped', 'fp32.mlpackage'))).inputs[0]!.type.shape).toEqual([3, 4]);
    expect(other!.status).toBe('passed');
    expect(other!.warnings.join('\n')).toMatch(/symbolic dimension N set to 1/);
  });

  it('reports a shape that does not fit a model as an error of that model', async () => {
    const report = await runModels(options([writeBatchModel('batch.onnx', 'x')], { inputShapes: { x: [3, 4, 1] } }));
    expect(report.models[0]!.status).toBe('error');
    expect(report.models[0]!.error?.message).toMatch(/input "x" has rank 2 .*but the input shape \[3, 4, 1\] has rank 3/);
  });
});
