import { mergeFamilyTables, type FamilyTables } from '../../tables.js';
import type { ShapeFn } from './types.js';
import { elementwiseShapes } from './elementwise.js';
import { activationShapes } from './activation.js';
import { shapeShapes } from './shape.js';
import { indexingShapes } from './indexing.js';
import { scatterGatherShapes } from './scatter-gather.js';
import { spaceShapes } from './space.js';
import { einsumShapes } from './einsum.js';
import { padShapes } from './pad.js';
import { reduceShapes } from './reduce.js';
import { convShapes } from './conv.js';
import { linearShapes } from './linear.js';
import { normShapes } from './norm.js';
import { poolShapes } from './pool.js';
import { resampleShapes } from './resample.js';
import { recurrentShapes } from './recurrent.js';
import { lossShapes } from './loss.js';
import { generatorShapes } from './generator.js';
import { quantShapes } from './quant.js';
import { visionShapes } from './vision.js';
import { signalShapes } from './signal.js';
import { textShapes } from './text.js';
import { nmsShapes } from './nms.js';

/** Every shape-function family, by the family name the converters use. */
export const SHAPE_FAMILIES: FamilyTables<ShapeFn> = {
  elementwise: elementwiseShapes,
  activation: activationShapes,
  shape: shapeShapes,
  indexing: indexingShapes,
  'scatter-gather': scatterGatherShapes,
  space: spaceShapes,
  einsum: einsumShapes,
  reduce: reduceShapes,
  conv: convShapes,
  linear: linearShapes,
  norm: normShapes,
  pool: poolShapes,
  pad: padShapes,
  resample: resampleShapes,
  recurrent: recurrentShapes,
  quant: quantShapes,
  loss: lossShapes,
  generator: generatorShapes,
  vision: visionShapes,
  signal: signalShapes,
  text: textShapes,
  nms: nmsShapes,
};

const byOp = mergeFamilyTables('shape function for ONNX op', SHAPE_FAMILIES);

/** The shape function for an ONNX op type, if any. */
export function shapeFunctionFor(opType: string): ShapeFn | undefined {
  return byOp[opType];
}
