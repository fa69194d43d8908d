import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { readMlPackage } from '../../src/coreml/package.js';
import { unpackSubByte } from '../../src/coreml/subbyte.js';
import { walkOperations, type MilBlock, type MilOperation } from '../../src/mil/ir.js';
import { float16ArrayToFloat32 } from '../../src/tensor/fp16.js';
import { elementCount, numberAt, type Tensor } from '../../src/tensor/tensor.js';

/** Packages written by Apple's coremltools (spec 7, opset CoreML6). */
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/coremltools/', import.meta.url));
const PACKAGES = readdirSync(FIXTURES).sort();

async function load(name: string): Promise<CoreMLModel> {
  return readMlPackage(`${FIXTURES}${name}/model.mlpackage`);
}

function opTypes(model: CoreMLModel): Set<string> {
  return new Set([...walkOperations(model.program.functions['main']!.block)].map((op) => op.type));
}

/** Names every binding uses that no earlier value in scope defines. */
function unresolvedNames(block: MilBlock, scope: Set<string>): string[] {
  const inner = new Set([...scope, ...block.inputs.map((v) => v.name)]);
  const missing: string[] = [];
  for (const op of block.operations) {
    for (const bindings of Object.values(op.inputs)) {
      for (const b of bindings) if (b.kind === 'name' && !inner.has(b.name)) missing.push(b.name);
    }
    for (const nested of op.blocks) missing.push(...unresolvedNames(nested, inner));
    for (const o of op.outputs) inner.add(o.name);
  }
  for (const o of block.outputs) if (!inner.has(o)) missing.push(o);
  return missing;
}

function asFloats(t: Tensor): Float32Array {
  if (t.dtype === 'float16') return float16ArrayToFloat32(t.data as Uint16Array);
  if (t.dtype === 'float32') return t.data as Float32Array;
  throw new Error(`not a float tensor: ${t.dtype}`);
}

/** Float constants keyed by the fp32 variable name (coremltools appends "_to_fp16" when casting). */
function floatConsts(model: CoreMLModel): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const op of walkOperations(model.program.functions['main']!.block)) {
    const val = op.attributes['val'];
    if (op.type === 'const' && val && (val.dtype === 'float32' || val.dtype === 'float16')) {
      out.set(op.outputs[0]!.name.replace(/_to_fp16$/, ''), val);
    }
  }
  return out;
}

function constexprOps(model: CoreMLModel, type: string): MilOperation[] {
  return [...walkOperations(model.program.functions['main']!.block)].filter((op) => op.type === type);
}

function relativeRmsError(approx: Float32Array, exact: Float32Array): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < exact.length; i++) {
    err += (approx[i]! - exact[i]!) ** 2;
    ref += exact[i]! ** 2;
  }
  return Math.sqrt(err / ref);
}

describe('packages written by coremltools', () => {
  it('are all present', () => {
    expect(PACKAGES).toHaveLength(18);
  });

  for (const name of PACKAGES) {
    it(`${name}: reads the description, opset, ops and every constant`, async () => {
      const model = await load(name);
      const main = model.program.functions['main']!;
      expect(model.specificationVersion).toBe(7);
      expect(main.opset).toBe('CoreML6');
      expect(model.inputs.map((f) => f.name)).toEqual(['input_0']);
      expect(model.outputs.map((f) => f.name)).toEqual(['output_0']);
      expect(main.inputs.map((v) => v.name)).toEqual(['input_0']);
      expect(main.block.outputs).toEqual(['output_0']);
      const ioDType = name.endsWith('_fp32') ? 'float32' : 'float16';
      expect(model.inputs[0]!.type.dtype).toBe(ioDType);
      expect(model.outputs[0]!.type.dtype).toBe(ioDType);
      expect(unresolvedNames(main.block, new Set(main.inputs.map((v) => v.name)))).toEqual([]);
      const types = opTypes(model);
      expect(types.has('const')).toBe(true);
      expect(types.size).toBeGreaterThan(2);
      for (const op of walkOperations(main.block)) {
        expect(op.name).not.toBe('');
        for (const t of Object.values(op.attributes)) expect(t.data.length).toBe(elementCount(t.shape));
      }
    });
  }

  it('lists the op types each network uses', async () => {
    expect([...opTypes(await load('seed_simple_cnn_fp32'))].sort()).toEqual(['const', 'conv', 'linear', 'max_pool', 'relu', 'reshape']);
    expect(opTypes(await load('tiny_lstm_fp32'))).toContain('lstm');
    expect([...opTypes(await load('tiny_transformer_fp32'))]).toEqual(expect.arrayContaining(['layer_norm', 'softmax', 'matmul', 'gelu']));
    expect([...opTypes(await load('tiny_unet_fp32'))]).toEqual(expect.arrayContaining(['conv_transpose', 'concat', 'sigmoid']));
  });

  const NETS = ['seed_custom_activation', 'seed_simple_cnn', 'tiny_convnet', 'tiny_lstm', 'tiny_transformer', 'tiny_unet'];
  for (const net of NETS) {
    it(`${net}: the fp16 package holds the fp32 package's weights rounded to fp16`, async () => {
      const fp32 = floatConsts(await load(`${net}_fp32`));
      const fp16 = floatConsts(await load(`${net}_fp16`));
      let compared = 0;
      for (const [key, half] of fp16) {
        const full = fp32.get(key);
        if (!full || half.dtype !== 'float16' || full.dtype !== 'float32' || elementCount(full.shape) < 10) continue;
        expect(half.shape).toEqual(full.shape);
        const a = asFloats(half);
        const b = full.data as Float32Array;
        let worst = 0; // error in units of half an fp16 ulp; rounding to nearest keeps it ≤ 1
        for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) * 2 ** -11 + 2 ** -25));
        expect(worst).toBeLessThanOrEqual(1);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }

  for (const net of ['seed_simple_cnn', 'tiny_convnet', 'tiny_transformer']) {
    it(`${net}: int8 weights dequantize to the fp32 weights within half a quantization step`, async () => {
      const fp32 = floatConsts(await load(`${net}_fp32`));
      const ops = constexprOps(await load(`${net}_int8`), 'constexpr_affine_dequantize');
      expect(ops.length).toBeGreaterThan(0);
      for (const op of ops) {
        const q = op.attributes['quantized_data']!;
        const scale = asFloats(op.attributes['scale']!);
        const zero = op.attributes['zero_point']!;
        const axis = numberAt(op.attributes['axis']!.data, 0);
        expect(q.dtype).toBe('int8');
        const full = fp32.get(op.outputs[0]!.name.replace(/_to_fp16_quantized$/, ''))!;
        expect(full.shape).toEqual(q.shape);
        const inner = elementCount(q.shape.slice(axis + 1));
        const exact = full.data as Float32Array;
        let worst = 0; // error in units of one quantization step
        for (let i = 0; i < exact.length; i++) {
          const c = Math.floor(i / inner) % q.shape[axis]!;
          const step = scale[scale.length > 1 ? c : 0]!;
          const deq = (numberAt(q.data, i) - numberAt(zero.data, zero.data.length > 1 ? c : 0)) * step;
          worst = Math.max(worst, (Math.abs(deq - exact[i]!) - Math.abs(exact[i]!) * 2 ** -10) / step);
        }
        expect(worst).toBeLessThanOrEqual(0.51);
      }
    });

    it(`${net}: 4-bit palettized weights expand to close approximations of the fp32 weights`, async () => {
      const fp32 = floatConsts(await load(`${net}_fp32`));
      const ops = constexprOps(await load(`${net}_palettize4`), 'constexpr_lut_to_dense');
      expect(ops.length).toBeGreaterThan(0);
      for (const op of ops) {
        const lut = asFloats(op.attributes['lut']!);
        expect(lut).toHaveLength(16);
        const shape = Array.from(op.attributes['shape']!.data as Uint32Array);
        const full = fp32.get(op.outputs[0]!.name.replace(/_to_fp16_palettized$/, ''))!;
        expect(full.shape).toEqual(shape);
        const count = elementCount(shape);
        const indices = unpackSubByte('uint4', op.attributes['indices']!.data as Uint8Array, count);
        const dense = Float32Array.from(indices, (k) => lut[k]!);
        expect(relativeRmsError(dense, full.data as Float32Array)).toBeLessThan(0.2);
      }
    });
  }
});
