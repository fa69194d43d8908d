import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src/cli/args.js';
import { convertOnnxModel } from '../../../src/convert/index.js';
import type { CoreMLModel } from '../../../src/coreml/model.js';
import { walkOperations } from '../../../src/mil/ir.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxGraph, OnnxModel } from '../../../src/onnx/ir.js';
import { freezeValuesFor } from '../../../src/onnx/passes/freeze.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { evaluateOutput } from '../../../src/parity/verdict.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { seededTensor } from '../ops/ort-parity.js';

/**
 * A voice-activity-style model that picks its feature path with If on a
 * sample-rate input: 16 kHz audio is scaled and rectified, anything else is
 * squashed with tanh. Both branches return [1, 8] floats.
 */
function branch(name: string, nodes: OnnxGraph['nodes'], output: string, initializers: Record<string, Tensor> = {}): OnnxGraph {
  return { name, nodes, inputs: [], outputs: [valueInfo(output, 'float32', [1, 8])], initializers: new Map(Object.entries(initializers)), valueInfo: new Map() };
}

function vadModel(): OnnxModel {
  const then = branch('sr16k', [node('Mul', ['x', 'gain'], ['scaled']), node('Relu', ['scaled'], ['then_y'])], 'then_y', {
    gain: makeTensor('float32', [1], Float32Array.from([2.5])),
  });
  const otherwise = branch('other', [node('Tanh', ['x'], ['else_y'])], 'else_y');
  return model({
    nodes: [
      node('Equal', ['sr', 'sr16k'], ['is16k']),
      node('If', ['is16k'], ['feat'], { then_branch: { type: 'graph', value: then }, else_branch: { type: 'graph', value: otherwise } }),
      node('Sigmoid', ['feat'], ['prob']),
    ],
    inputs: [valueInfo('x', 'float32', [1, 8]), valueInfo('sr', 'int64', [])],
    outputs: [valueInfo('prob', 'float32', [1, 8])],
    initializers: { sr16k: makeTensor('int64', [], BigInt64Array.from([16000n])) },
  });
}

async function ortProb(m: OnnxModel, x: Tensor, sr: number): Promise<Tensor> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const out = await session.run({
    x: new ort.Tensor('float32', x.data as Float32Array, [1, 8]),
    sr: new ort.Tensor('int64', BigInt64Array.from([BigInt(sr)]), []),
  });
  return makeTensor('float32', [1, 8], Float32Array.from(out.prob!.data as Float32Array));
}

function milOpTypes(m: CoreMLModel): string[] {
  return [...walkOperations(m.program.functions.main!.block)].map((o) => o.type).filter((t) => t !== 'const');
}

describe('If decided by a frozen input', () => {
  const x = seededTensor([1, 8], 11);

  for (const sr of [16000, 8000]) {
    it(`--freeze sr=${sr} inlines the branch onnxruntime takes and verifies against it`, async () => {
      const request = parseCommandLine(['convert', 'vad.onnx', '--freeze', `sr=${sr}`]);
      if (request.command !== 'convert') throw new Error('expected a convert request');
      const m = vadModel();
      const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', freeze: freezeValuesFor(m, request.freeze!) });
      const ops = milOpTypes(converted.model);
      expect(ops).not.toContain('cond');
      expect(ops).toContain(sr === 16000 ? 'relu' : 'tanh');
      expect(ops).not.toContain(sr === 16000 ? 'tanh' : 'relu');
      expect(converted.model.inputs.map((i) => i.name)).toEqual(['x']);
      const actual = runModel(converted.model, { x })[converted.model.outputs[0]!.name]!;
      const verdict = evaluateOutput(await ortProb(m, x, sr), actual, FP32_GATE);
      expect(verdict.pass, verdict.reason).toBe(true);
    });
  }

  it('without --freeze becomes a Core ML cond that agrees with onnxruntime for either sample rate', async () => {
    const m = vadModel();
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(milOpTypes(converted.model)).toContain('cond');
    for (const sr of [16000, 44100]) {
      const srTensor = makeTensor('int32', [1], Int32Array.from([sr])); // Core ML describes scalars as [1]
      const feeds = { x, [converted.model.inputs[1]!.name]: srTensor };
      const actual = runModel(converted.model, feeds)[converted.model.outputs[0]!.name]!;
      const verdict = evaluateOutput(await ortProb(m, x, sr), actual, FP32_GATE);
      expect(verdict.pass, `sr=${sr}: ${verdict.reason ?? ''}`).toBe(true);
    }
  });

  it('refuses a run-time If whose branches return different shapes, saying why', () => {
    const m = vadModel();
    const ifNode = m.graph.nodes[1]!;
    const wide = branch('wide', [node('Concat', ['x', 'x'], ['else_y'], { axis: 1 })], 'else_y');
    wide.outputs = [valueInfo('else_y', 'float32', [1, 16])];
    ifNode.attributes.set('else_branch', { type: 'graph', value: wide });
    m.graph.outputs = [{ name: 'prob', dtype: 'float32' }];
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrow(/same types/);
  });
});
