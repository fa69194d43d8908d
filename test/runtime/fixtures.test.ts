import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { float32ArrayToFloat16 } from '../../src/tensor/fp16.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { asFloat32, psnr } from '../helpers/float-compare.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/coremltools/', import.meta.url));

/** Minimum PSNR (dB) per variant; fp32 is checked element-wise instead. */
const MIN_PSNR: Record<string, number> = { fp16: 40, int8: 30, palettize4: 20 };

/** Largest abs(out − ref) − 1e-3·abs(ref): ≤ 1e-4 means every element passes the fp32 gate. NaN fails. */
function fp32Excess(out: Float32Array, ref: Float32Array): number {
  let worst = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(out[i]! - ref[i]!) - 1e-3 * Math.abs(ref[i]!);
    worst = Number.isNaN(e) ? NaN : Math.max(worst, e);
    if (Number.isNaN(worst)) break;
  }
  return worst;
}

const names = existsSync(FIXTURES) ? readdirSync(FIXTURES).sort() : [];

describe('coremltools fixture packages run on their test data', () => {
  it('finds the coremltools fixtures in ../shared', () => {
    expect(names.length, `no packages under ${FIXTURES}: the shared fixtures are missing`).toBeGreaterThan(0);
  });

  for (const name of names) {
    const variant = name.slice(name.lastIndexOf('_') + 1);
    it(`${name} matches the PyTorch reference output`, async () => {
      const dir = join(FIXTURES, name);
      const model = await readMlPackage(join(dir, 'model.mlpackage'));
      const input = (await readTensorProtoFile(join(dir, 'test_data_set_0', 'input_0.pb'))).tensor;
      const expected = (await readTensorProtoFile(join(dir, 'test_data_set_0', 'output_0.pb'))).tensor;
      const desc = model.inputs[0]!;
      const fed: Tensor =
        desc.type.dtype === 'float16' && input.dtype === 'float32'
          ? { dtype: 'float16', shape: input.shape, data: float32ArrayToFloat16(input.data as Float32Array) }
          : input;
      const outputs = runModel(model, { [desc.name]: fed });
      const got = asFloat32(outputs[model.outputs[0]!.name]!);
      const ref = asFloat32(expected);
      expect(got.length).toBe(ref.length);
      const db = psnr(got, ref);
      if (variant === 'fp32') {
        const excess = fp32Excess(got, ref);
        const maxAbs = got.reduce((m, g, i) => Math.max(m, Math.abs(g - ref[i]!)), 0);
        console.log(`${name}: max abs error ${maxAbs.toExponential(2)}, worst abs error beyond 1e-3·|ref| ${excess.toExponential(2)}, PSNR ${db.toFixed(1)} dB`);
        expect(excess).toBeLessThanOrEqual(1e-4);
      } else {
        console.log(`${name}: PSNR ${db.toFixed(1)} dB`);
        expect(db).toBeGreaterThanOrEqual(MIN_PSNR[variant]!);
      }
    });
  }
});
