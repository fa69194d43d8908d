import type { OnnxModel } from '../ir.js';
import { inferShapesAndFold } from './infer.js';
import { inlineConstantIfs, inlineFunctions } from './inline.js';

/** Rounds of fold-then-inline: each round can make the condition of a nested If constant. */
const MAX_ROUNDS = 8;

/**
 * Everything the converter needs done to a graph first: local functions
 * inlined, shapes inferred and constants folded, and If nodes whose condition
 * folded to a constant (often after freezing an input) replaced by their
 * taken branch, then folded again.
 */
export function prepareForConversion(model: OnnxModel): OnnxModel {
  let current = inferShapesAndFold(inlineFunctions(model)).model;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const inlined = inlineConstantIfs(current);
    if (inlined === current) break;
    current = inferShapesAndFold(inlined).model;
  }
  return current;
}
