import { mergeFamilyTables, type FamilyTables } from '../tables.js';
import type { OpConverter } from './types.js';
import { elementwiseConverters } from './ops/elementwise.js';
import { activationConverters } from './ops/activation.js';
import { shapeConverters } from './ops/shape.js';
import { indexingConverters } from './ops/indexing.js';
import { scatterGatherConverters } from './ops/scatter-gather.js';
import { spaceConverters } from './ops/space.js';
import { einsumConverters } from './ops/einsum.js';
import { reduceConverters } from './ops/reduce.js';
import { convConverters } from './ops/conv.js';
import { linearConverters } from './ops/linear.js';
import { normConverters } from './ops/norm.js';
import { poolConverters } from './ops/pool.js';
import { padConverters } from './ops/pad.js';
import { resampleConverters } from './ops/resample.js';
import { recurrentConverters } from './ops/recurrent.js';
import { controlConverters } from './ops/control.js';
import { quantConverters } from './ops/quant.js';
import { lossConverters } from './ops/loss.js';
import { generatorConverters } from './ops/generator.js';
import { visionConverters } from './ops/vision.js';
import { nmsConverters } from './ops/nms.js';
import { signalConverters } from './ops/signal.js';
import { textConverters } from './ops/text.js';

/**
 * Every converter family, by name. The op list, the coverage table and
 * docs/ops.md are all derived from these tables.
 */
export const CONVERTER_FAMILIES: FamilyTables<OpConverter> = {
  elementwise: elementwiseConverters,
  activation: activationConverters,
  shape: shapeConverters,
  indexing: indexingConverters,
  'scatter-gather': scatterGatherConverters,
  space: spaceConverters,
  einsum: einsumConverters,
  reduce: reduceConverters,
  conv: convConverters,
  linear: linearConverters,
  norm: normConverters,
  pool: poolConverters,
  pad: padConverters,
  resample: resampleConverters,
  recurrent: recurrentConverters,
  control: controlConverters,
  quant: quantConverters,
  loss: lossConverters,
  generator: generatorConverters,
  vision: visionConverters,
  nms: nmsConverters,
  signal: signalConverters,
  text: textConverters,
};

const byOp = mergeFamilyTables('converter for ONNX op', CONVERTER_FAMILIES);

/** The converter for an ai.onnx op at the given opset, if supported. */
export function findConverter(opType: string, opset: number): OpConverter | undefined {
  const conv = byOp[opType];
  if (!conv) return undefined;
  return opset >= conv.opsets[0] && opset <= conv.opsets[1] ? conv : undefined;
}

export function supportedOps(): string[] {
  return Object.keys(byOp).sort();
}

export function converterFor(opType: string): OpConverter | undefined {
  return byOp[opType];
}
