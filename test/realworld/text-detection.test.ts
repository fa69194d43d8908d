import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { mainFunction, walkOperations, type MilProgram } from '../../src/mil/ir.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { convertFile, type Precision } from '../../src/pipeline.js';
import { verifyPackage, type VerifyReport } from '../../src/verify.js';
import { paddleTextDetector } from './text-detection-model.js';

/**
 * The Paddle2ONNX-style DBNet text detector (text-detection-model.ts), with
 * dynamic N, H, W fixed by an input shape of 1×3×320×320 as `--input-shape
 * x=1x3x320x320` does, converted at fp32 and at plain fp16 and verified by
 * the reference interpreter against ONNX Runtime on seeded inputs under the
 * design gates. Its head has a batch norm whose running variance lies beyond
 * fp16's range; before batch norms were folded into their convs and such
 * statistics kept the op in fp32, the fp16 package missed the gate.
 */

const work = mkdtempSync(join(tmpdir(), 'text-detection-'));
const onnxPath = join(work, 'det.onnx');
const model = paddleTextDetector();
beforeAll(() => writeFileSync(onnxPath, encodeOnnxModel(model)));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function convertAndVerify(precision: Precision): Promise<{ report: VerifyReport; program: MilProgram }> {
  const pkg = join(work, `det-${precision}.mlpackage`);
  await convertFile(onnxPath, pkg, { target: 'iOS15', precision, inputShapes: { x: [1, 3, 320, 320] } });
  const report = await verifyPackage(pkg, { onnxPath });
  return { report, program: (await readMlPackage(pkg)).program };
}

function opCounts(program: MilProgram): Map<string, number> {
  const counts = new Map<string, number>();
  for (const op of walkOperations(mainFunction(program).block)) counts.set(op.type, (counts.get(op.type) ?? 0) + 1);
  return counts;
}

describe('Paddle-style text detector (Conv/BatchNormalization/HardSigmoid/ConvTranspose/Resize/Sigmoid, opset 11)', () => {
  it('is built the way the defect needs: unfolded batch norms, one with a running variance beyond fp16, dynamic N, H, W', () => {
    const bns = model.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
    expect(bns.length).toBeGreaterThan(20);
    const variances = bns.map((n) => Math.max(...(model.graph.initializers.get(n.inputs[4]!)!.data as Float32Array)));
    expect(Math.max(...variances)).toBeGreaterThan(65504);
    expect(Math.min(...bns.map((n) => Math.min(...(model.graph.initializers.get(n.inputs[4]!)!.data as Float32Array))))).toBeLessThan(1e-3);
    expect(model.graph.inputs[0]!.shape!.filter((d) => typeof d === 'string')).toHaveLength(3);
    for (const op of ['HardSigmoid', 'ConvTranspose', 'Resize', 'Sigmoid', 'Div', 'Clip']) expect(model.graph.nodes.some((n) => n.opType === op)).toBe(true);
  });

  it('converts at fp32 and matches ONNX Runtime element-wise (1e-4 + 1e-3·|ref|)', async () => {
    const { report } = await convertAndVerify('fp32');
    expect(report.gate).toEqual({ kind: 'elementwise', atol: 1e-4, rtol: 1e-3 });
    expect(report.outputs.filter((o) => !o.pass)).toEqual([]);
  });

  it('converts at plain fp16 and keeps PSNR ≥ 40 dB, with batch norms folded into the convs and divisions by constants as multiplications', async () => {
    const { report, program } = await convertAndVerify('fp16');
    expect(report.gate).toEqual({ kind: 'psnr', minDb: 40 });
    expect(report.outputs.filter((o) => !o.pass)).toEqual([]);
    for (const output of report.outputs) expect(output.psnrDb).toBeGreaterThanOrEqual(40);
    const counts = opCounts(program);
    expect(counts.get('batch_norm')).toBeUndefined();
    // The one division left is 1 / (1 + exp(…)) of the binarization, whose divisor is computed.
    expect(counts.get('real_div')).toBe(1);
    // One cast in for x, one out for the maps: nothing is kept in fp32.
    expect(counts.get('cast')).toBe(2);
  });
});
