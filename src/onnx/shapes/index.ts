import type { ShapeFn, ShapeTable } from './types.js';
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

const FAMILIES: readonly ShapeTable[] = [
  elementwiseShapes, activationShapes, shapeShapes, indexingShapes, scatterGatherShapes, spaceShapes, einsumShapes, reduceShapes, convShapes,
  linearShapes, normShapes, poolShapes, padShapes, resampleShapes, recurrentShapes, lossShapes, generatorShapes, quantShapes,
  visionShapes, signalShapes,
];

const byOp = new Map<string, ShapeFn>();
for (const table of FAMILIES) for (const [op, fn] of Object.entries(table)) byOp.set(op, fn);

/** The shape function for an ONNX op type, if any. */
export function shapeFunctionFor(opType: string): ShapeFn | undefined {
  return byOp.get(opType);
}
