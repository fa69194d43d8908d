import { describe, expect, it } from 'vitest';
import { gateForProgram } from '../../src/parity/gates.js';
import type { MilOperation, MilProgram, MilVar } from '../../src/mil/ir.js';
import type { DType } from '../../src/tensor/dtype.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

function v(name: string, dtype: DType, shape: number[]): MilVar {
  return { name, type: { dtype, shape } };
}

function op(type: string, outputs: MilVar[], extra: Partial<MilOperation> = {}): MilOperation {
  return { type, name: outputs[0]!.name, inputs: {}, outputs, attributes: {}, blocks: [], ...extra };
}

function program(operations: MilOperation[], inputDType: DType = 'float32'): MilProgram {
  return {
    functions: {
      main: {
        inputs: [v('x', inputDType, [1, 4])],
        opset: 'CoreML6',
        block: { inputs: [], operations, outputs: [operations[operations.length - 1]!.outputs[0]!.name] },
      },
    },
  };
}

const relu = (dtype: DType) => op('relu', [v('y', dtype, [1, 4])], { inputs: { x: [{ kind: 'name', name: 'x' }] } });
const tensor = (dtype: DType, shape: number[]): Tensor => makeTensor(dtype, shape);

describe('gateForProgram', () => {
  it('uses the fp32 element-wise gate for an fp32 program without compression', () => {
    expect(gateForProgram(program([relu('float32')]))).toEqual({ kind: 'elementwise', atol: 1e-4, rtol: 1e-3 });
  });

  it('uses 40 dB when the program computes in fp16', () => {
    expect(gateForProgram(program([relu('float16')], 'float16'))).toEqual({ kind: 'psnr', minDb: 40 });
  });

  it('uses 30 dB for 8-bit affine-quantized weights held as attributes', () => {
    const dq = op('constexpr_affine_dequantize', [v('w', 'float16', [16, 4])], {
      attributes: { quantized_data: tensor('int8', [16, 4]), scale: tensor('float16', [16]), zero_point: tensor('int8', [16]) },
    });
    expect(gateForProgram(program([dq, relu('float16')]))).toEqual({ kind: 'psnr', minDb: 30 });
  });

  it('uses 20 dB for a 16-entry LUT (4-bit palettization)', () => {
    const lut = op('constexpr_lut_to_dense', [v('w', 'float16', [16, 4])], {
      attributes: { lut: tensor('float16', [16]), indices: tensor('uint8', [32]), shape: tensor('uint32', [2]) },
    });
    expect(gateForProgram(program([lut, relu('float16')]))).toEqual({ kind: 'psnr', minDb: 20 });
  });

  it('uses 30 dB for a 64-entry LUT (6-bit palettization)', () => {
    const lut = op('constexpr_lut_to_dense', [v('w', 'float16', [64, 4])], {
      attributes: { lut: tensor('float16', [64]), indices: tensor('uint8', [192]), shape: tensor('uint32', [2]) },
    });
    expect(gateForProgram(program([lut]))).toEqual({ kind: 'psnr', minDb: 30 });
  });

  it('reads iOS18 constexpr parameters bound by name to const values', () => {
    const data = op('const', [v('w_data', 'int4', [8, 8])], { attributes: { val: tensor('int4', [8, 8]) } });
    const scale = op('const', [v('w_scale', 'float16', [8, 1])], { attributes: { val: tensor('float16', [8, 1]) } });
    const dq = op('constexpr_blockwise_shift_scale', [v('w', 'float16', [8, 8])], {
      inputs: { data: [{ kind: 'name', name: 'w_data' }], scale: [{ kind: 'name', name: 'w_scale' }] },
    });
    expect(gateForProgram(program([data, scale, dq]))).toEqual({ kind: 'psnr', minDb: 20 });
  });

  it('uses 20 dB for sparse weights', () => {
    const sparse = op('constexpr_sparse_to_dense', [v('w', 'float32', [8])], {
      attributes: { nonzero_data: tensor('float32', [3]), mask: tensor('uint8', [1]), shape: tensor('uint32', [1]) },
    });
    expect(gateForProgram(program([sparse, relu('float32')]))).toEqual({ kind: 'psnr', minDb: 20 });
  });

  it('lets the lossiest finding win when fp16 compute and 4-bit weights are combined', () => {
    const lut = op('constexpr_lut_to_dense', [v('w', 'float16', [16, 4])], {
      attributes: { lut: tensor('float16', [4]), indices: tensor('uint8', [16]), shape: tensor('uint32', [2]) },
    });
    expect(gateForProgram(program([relu('float16'), lut], 'float16'))).toEqual({ kind: 'psnr', minDb: 20 });
  });
});
