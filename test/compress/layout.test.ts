import { describe, expect, it } from 'vitest';
import { compressProgram, type CompressionSpec } from '../../src/compress/apply.js';
import { weightLayouts } from '../../src/compress/layout.js';
import type { DeploymentTarget, MilBinding, MilOperation, MilProgram } from '../../src/mil/ir.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { asFloat32 } from '../helpers/float-compare.js';
import { seededUniform } from '../helpers/seeded.js';

/** A const weight read by one op through `input`, the op's other arguments bound inline. */
function programReading(opType: string, input: string, shape: number[], args: Record<string, Tensor> = {}, magnitude = (_i: number) => 1): MilProgram {
  const size = shape.reduce((a, d) => a * d, 1);
  const weight = makeTensor('float32', shape, seededUniform(size, 7).map((v, i) => v * magnitude(i)));
  const inputs: Record<string, MilBinding[]> = { [input]: [{ kind: 'name', name: 'w' }] };
  for (const [k, v] of Object.entries(args)) inputs[k] = [{ kind: 'value', value: v }];
  const operations: MilOperation[] = [
    { type: 'const', name: 'w', inputs: {}, outputs: [{ name: 'w', type: { dtype: 'float32', shape } }], attributes: { val: weight }, blocks: [] },
    { type: opType, name: 'y', inputs, outputs: [{ name: 'y', type: { dtype: 'float32', shape: [1] } }], attributes: {}, blocks: [] },
  ];
  return { functions: { main: { inputs: [], opset: 'CoreML8', block: { inputs: [], operations, outputs: ['y'] } } } };
}

const bool = (v: boolean): Tensor => makeTensor('bool', [], Uint8Array.of(v ? 1 : 0));
const int = (v: number): Tensor => makeTensor('int32', [], Int32Array.of(v));

function compressed(program: MilProgram, spec: CompressionSpec, target: DeploymentTarget): MilOperation {
  compressProgram(program, spec, { target, minElements: 1 });
  return program.functions['main']!.block.operations[0]!;
}

const INT8: CompressionSpec = { kind: 'linear', dtype: 'int8', symmetric: true, perChannel: true };

describe('where a weight keeps its output channels', () => {
  it.each([
    ['conv', 'weight', [8, 4, 3, 3], {}, { output: 0, input: 1 }],
    ['linear', 'weight', [8, 4], {}, { output: 0, input: 1 }],
    ['conv_transpose', 'weight', [4, 8, 3, 3], {}, { output: 1, input: 0 }],
    ['matmul', 'y', [4, 8], {}, { output: 1, input: 0 }],
    ['matmul', 'y', [8, 4], { transpose_y: bool(true) }, { output: 0, input: 1 }],
    ['matmul', 'x', [2, 8, 4], {}, { output: 1, input: 2 }],
  ] as const)('%s reading it as %s %j', (opType, input, shape, args, axes) => {
    const layout = weightLayouts(programReading(opType, input, [...shape], args).functions['main']!.block).get('w');
    expect(layout).toMatchObject(axes);
  });

  it('records the groups of a transposed convolution', () => {
    const layout = weightLayouts(programReading('conv_transpose', 'weight', [8, 2, 3, 3], { groups: int(4) }).functions['main']!.block).get('w');
    expect(layout).toEqual({ output: 1, input: 0, groups: 4 });
  });
});

describe('per-channel scales follow the output channels', () => {
  it('puts the iOS16 dequantize axis on a transposed convolution output channels', () => {
    const op = compressed(programReading('conv_transpose', 'weight', [16, 24, 2, 2]), INT8, 'iOS16');
    expect(op.type).toBe('constexpr_affine_dequantize');
    expect(op.attributes['axis']!.data[0]).toBe(1);
    expect(op.attributes['scale']!.shape).toEqual([24]);
  });

  it('puts it on the last axis of a matmul y', () => {
    const op = compressed(programReading('matmul', 'y', [16, 24]), INT8, 'iOS16');
    expect(op.attributes['axis']!.data[0]).toBe(1);
  });

  it('gives every output channel of a grouped transposed convolution its own scale at iOS18', () => {
    // Weight [C_in = 16, C_out/groups = 6, 2, 2], 4 groups: output channel g·6 + j reads input channels 4g..4g+3.
    // Output channels of different magnitudes: neither axis alone separates them.
    const outputChannel = (i: number): number => Math.floor(i / 96) * 6 + (Math.floor(i / 4) % 6);
    const program = programReading('conv_transpose', 'weight', [16, 6, 2, 2], { groups: int(4) }, (i) => 1.5 ** outputChannel(i));
    const op = compressed(program, INT8, 'iOS18');
    const scale = op.inputs['scale']![0]!;
    expect(scale.kind === 'value' && [...scale.value.shape]).toEqual([4, 6, 1, 1]);
  });

  it('splits int4 blocks along a transposed convolution input channels', () => {
    const op = compressed(programReading('conv_transpose', 'weight', [64, 8, 2, 2]), { kind: 'blockwise', dtype: 'int4', blockSize: 32 }, 'iOS18');
    const scale = op.inputs['scale']![0]!;
    expect(scale.kind === 'value' && [...scale.value.shape]).toEqual([2, 8, 1, 1]);
  });

  it('keeps int4 blocks of a depthwise transposed convolution inside its channels', () => {
    // Weight [C = 64, 1, 2, 2], groups = 64: each input channel is its own output channel.
    const program = programReading('conv_transpose', 'weight', [64, 1, 2, 2], { groups: int(64) }, (i) => 1.5 ** (Math.floor(i / 4) % 16));
    const op = compressed(program, { kind: 'blockwise', dtype: 'int4', blockSize: 32 }, 'iOS18');
    const scale = op.inputs['scale']![0]!;
    expect(scale.kind === 'value' && [...scale.value.shape]).toEqual([64, 1, 1, 1]);
  });

  it('groups the palettes of a transposed convolution by its output channels', () => {
    // Weight [C_in = 16, C_out = 24, 2, 2], output channels of 8 magnitudes in 3 groups of 8: one table per group.
    const magnitude = (i: number): number => 4 ** Math.floor((Math.floor(i / 4) % 24) / 8);
    const program = programReading('conv_transpose', 'weight', [16, 24, 2, 2], {}, magnitude);
    const weight = (program.functions['main']!.block.operations[0]!.attributes['val']!.data as Float32Array).slice();
    const op = compressed(program, { kind: 'palettize', nbits: 4, channelGroupSize: 8 }, 'iOS18');
    const lut = op.inputs['lut']![0]!;
    expect(lut.kind === 'value' && [...lut.value.shape]).toEqual([1, 3, 1, 1, 16, 1]);
    const single: MilProgram = { functions: { main: { inputs: [], opset: 'CoreML8', block: { inputs: [], operations: [op], outputs: ['w'] } } } };
    const back = asFloat32(runProgram(single, {})['w']!);
    // Each output channel group's values come back within its own magnitude: relative error per group, not per tensor.
    for (let g = 0; g < 3; g++) {
      let signal = 0;
      let noise = 0;
      for (let i = 0; i < weight.length; i++) {
        if (Math.floor((Math.floor(i / 4) % 24) / 8) !== g) continue;
        signal += weight[i]! ** 2;
        noise += (back[i]! - weight[i]!) ** 2;
      }
      expect(10 * Math.log10(signal / noise)).toBeGreaterThan(15);
    }
  });

  it('leaves vectors (biases, norm parameters) uncompressed', () => {
    for (const spec of [INT8, { kind: 'palettize', nbits: 4 } as const]) {
      const program = programReading('batch_norm', 'gamma', [4096]);
      const stats = compressProgram(program, spec, { target: 'iOS16' });
      expect(stats.compressed).toBe(0);
      expect(program.functions['main']!.block.operations[0]!.type).toBe('const');
    }
  });
});
