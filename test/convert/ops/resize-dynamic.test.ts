import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertOnnxModel, type ConvertOptions } from '../../../src/convert/index.js';
import { writeMlPackage } from '../../../src/coreml/package.js';
import { walkOperations } from '../../../src/mil/ir.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxModel, OnnxNode } from '../../../src/onnx/ir.js';
import { encodeTensorProto } from '../../../src/onnx/tensor-proto.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { verifyPackage } from '../../../src/verify.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { seededTensor } from './ort-parity.js';

/**
 * A segmentation-style conv net exported with a dynamic H×W input: a stride-2 encoder,
 * then two decoders back to the input's size — F.interpolate(size=x.shape[2:]) (sizes
 * computed at run time, linear) and a constant ×2 nearest upsampling — summed.
 */
function segmenter(linear: Record<string, string | number> = { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }): OnnxModel {
  const i64 = (values: number[]) => makeTensor('int64', [values.length], BigInt64Array.from(values.map(BigInt)));
  return model({
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }),
      node('Relu', ['c2'], ['r2']),
      node('Shape', ['r2'], ['r2_shape']),
      node('Slice', ['r2_shape', 'zero', 'two'], ['r2_nc']),
      node('Shape', ['x'], ['x_shape']),
      node('Slice', ['x_shape', 'two', 'four'], ['x_hw']),
      node('Concat', ['r2_nc', 'x_hw'], ['sizes'], { axis: 0 }),
      node('Resize', ['r2', '', '', 'sizes'], ['up_linear'], linear),
      node('Resize', ['r2', '', 'scales'], ['up_nearest'], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }),
      node('Add', ['up_linear', 'up_nearest'], ['merged']),
      node('Conv', ['merged', 'w3'], ['y'], { kernel_shape: [1, 1] }),
    ],
    inputs: [valueInfo('x', 'float32', [1, 3, 'H', 'W'])],
    outputs: [valueInfo('y', 'float32', [1, 2, 'H', 'W'])],
    initializers: {
      w1: seededTensor([4, 3, 3, 3], 1), b1: seededTensor([4], 2),
      w2: seededTensor([6, 4, 3, 3], 3), b2: seededTensor([6], 4),
      w3: seededTensor([2, 6, 1, 1], 5),
      zero: i64([0]), two: i64([2]), four: i64([4]),
      scales: makeTensor('float32', [4], Float32Array.of(1, 1, 2, 2)),
    },
  });
}

const RANGES: ConvertOptions['ranges'] = { x: { '2': [32, 512], '3': [32, 512] } };
const SIZES = [[64, 48], [96, 80]] as const;

function milOps(converted: ReturnType<typeof convertOnnxModel>): string[] {
  return [...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type);
}

async function onnxruntimeY(m: OnnxModel, x: Tensor): Promise<Tensor> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const out = await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  return makeTensor('float32', [...out.y!.dims], Float32Array.from(out.y!.data as Float32Array));
}

function refusal(m: OnnxModel): string {
  try {
    convertOnnxModel(m, { target: 'iOS17', precision: 'fp32', ranges: RANGES });
  } catch (err) {
    return String(err);
  }
  throw new Error('expected the conversion to be refused');
}

function resizeNode(m: OnnxModel, output: string): OnnxNode {
  return m.graph.nodes.find((n) => n.outputs[0] === output)!;
}

describe('Resize with a dynamic height and width', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'resize-dynamic-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('converts once, raising the target to iOS17 with a warning, and verifies at two input sizes from one package', async () => {
    const m = segmenter();
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', ranges: RANGES });
    expect(converted.target).toBe('iOS17');
    expect(converted.warnings.join('\n')).toMatch(/node "Resize_up_linear" \(Resize\) resizes to sizes known only at run time, which needs iOS17 or later; deployment target raised from iOS15 to iOS17/);
    expect(milOps(converted)).toEqual(expect.arrayContaining(['resize', 'upsample_nearest_neighbor']));
    expect(converted.model.inputs[0]!.type).toMatchObject({ shapeRange: [[1, 1], [3, 3], [32, 512], [32, 512]] });

    const pkg = join(scratch, 'segmenter.mlpackage');
    await writeMlPackage(converted.model, pkg);
    const data = join(scratch, 'data');
    for (const [k, [h, w]] of SIZES.entries()) {
      const x = seededTensor([1, 3, h, w], 10 + k);
      const dir = join(data, `test_data_set_${k}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'input_0.pb'), encodeTensorProto('x', x));
      await writeFile(join(dir, 'output_0.pb'), encodeTensorProto('y', await onnxruntimeY(m, x)));
    }
    const report = await verifyPackage(pkg, { dataDir: data });
    expect(report.dataSets).toEqual(['test_data_set_0', 'test_data_set_1']);
    expect(report.outputs[0]!.reason).toBeUndefined();
    expect(report.pass).toBe(true);

    // The fp16 package of the same model passes its gate on the same two sets.
    const half = join(scratch, 'segmenter-fp16.mlpackage');
    await writeMlPackage(convertOnnxModel(m, { target: 'iOS15', precision: 'fp16', ranges: RANGES }).model, half);
    const halfReport = await verifyPackage(half, { dataDir: data });
    expect(halfReport.gate.kind).toBe('psnr');
    expect(halfReport.pass, halfReport.outputs[0]!.reason).toBe(true);
  });

  it('keeps the requested target when only constant integer scales meet the dynamic dims', () => {
    const m = segmenter();
    m.graph.nodes = m.graph.nodes.filter((n) => n.opType !== 'Add' && n.outputs[0] !== 'up_linear');
    m.graph.nodes.find((n) => n.outputs[0] === 'y')!.inputs[0] = 'up_nearest';
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', ranges: RANGES });
    expect(converted.target).toBe('iOS15');
    expect(milOps(converted)).toContain('upsample_nearest_neighbor');
  });

  it('refuses a constant scale that is not a whole number, since the output size then depends on rounding Core ML does not do', () => {
    const m = segmenter();
    m.graph.initializers.set('scales', makeTensor('float32', [4], Float32Array.of(1, 1, 1.5, 1.5)));
    expect(refusal(m)).toMatch(/Resize_up_nearest.*height and width are dynamic.*\(1\.5, 1\.5\)/);
  });

  it('refuses nearest resizing to run-time sizes with a rounding Core ML does not share', () => {
    const m = segmenter({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
    expect(refusal(m)).toMatch(/Resize_up_linear.*nearest_mode floor/);
  });

  it('refuses run-time sizes that may resize the channels', () => {
    const m = segmenter();
    resizeNode(m, 'up_linear').inputs[3] = 'x_shape';
    m.graph.nodes.find((n) => n.outputs[0] === 'sizes')!.inputs = ['x_shape'];
    resizeNode(m, 'up_linear').inputs[3] = 'sizes';
    expect(refusal(m)).toMatch(/may resize dim 1/);
  });
});
