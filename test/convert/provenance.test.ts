import { describe, expect, it } from 'vitest';
import { compressProgram } from '../../src/compress/apply.js';
import { convertOnnxModel } from '../../src/convert/index.js';
import { mainFunction, walkOperations, type MilOperation, type MilProgram } from '../../src/mil/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/** y = relu(conv(x, W) + b) with a 16×8×3×3 weight, large enough to compress. */
function convRelu() {
  const w = makeTensor('float32', [16, 8, 3, 3], Float32Array.from({ length: 16 * 8 * 9 }, (_, i) => Math.sin(i)));
  return model({
    nodes: [node('Conv', ['x', 'W'], ['c'], { pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['y'])],
    inputs: [valueInfo('x', 'float32', [1, 8, 4, 4])],
    outputs: [valueInfo('y', 'float32', [1, 16, 4, 4])],
    initializers: { W: w },
  });
}

function ops(program: MilProgram): MilOperation[] {
  return [...walkOperations(mainFunction(program).block)];
}

describe('per-op provenance', () => {
  it('records on every op the ONNX node it was made for', () => {
    const { model: coreml } = convertOnnxModel(convRelu(), { target: 'iOS16', precision: 'fp32' });
    const byType = new Map(ops(coreml.program).map((op) => [op.type, op.source]));
    expect(byType.get('conv')).toEqual({ node: 'Conv_c', opType: 'Conv' });
    expect(byType.get('relu')).toEqual({ node: 'Relu_y', opType: 'Relu' });
    expect(byType.get('const')).toEqual({ node: 'Conv_c', opType: 'Conv' });
  });

  it('keeps it through the fp16 pass: the casts it inserts name the node whose value they cast', () => {
    const { model: coreml } = convertOnnxModel(convRelu(), { target: 'iOS16', precision: 'fp16' });
    const all = ops(coreml.program);
    expect(all.find((op) => op.type === 'conv')?.source).toEqual({ node: 'Conv_c', opType: 'Conv' });
    // The input cast to fp16 is the program's edge, not a node's work; the cast back to fp32 follows relu.
    const casts = all.filter((op) => op.type === 'cast');
    expect(casts.length).toBeGreaterThan(0);
    const castOfRelu = casts.find((op) => op.outputs[0]!.type.dtype === 'float32');
    expect(castOfRelu?.source).toEqual({ node: 'Relu_y', opType: 'Relu' });
  });

  it('keeps it through weight compression: the constexpr op names the node its weight belongs to', () => {
    const { model: coreml } = convertOnnxModel(convRelu(), { target: 'iOS18', precision: 'fp16' });
    compressProgram(coreml.program, { kind: 'palettize', nbits: 4 }, { target: 'iOS18', outputDType: 'float16', minElements: 16 });
    const lut = ops(coreml.program).find((op) => op.type.startsWith('constexpr_'));
    expect(lut?.source).toEqual({ node: 'Conv_c', opType: 'Conv' });
  });
});
