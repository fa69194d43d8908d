import type { OnnxModel } from '../ir.js';
import { withFile } from '../validate.js';
import { inferShapesAndFold, type InferenceOptions } from './infer.js';
import { inlineConstantIfs, inlineFunctions } from './inline.js';

/** Rounds of fold-then-inline: each round can make the condition of a nested If constant. */
const MAX_ROUNDS = 8;

/**
 * Everything the converter needs done to a graph first: local functions
 * inlined, shapes inferred and constants folded, and If nodes whose condition
 * folded to a constant (often after freezing an input) replaced by their
 * taken branch, then folded again. Inconsistent shapes are input errors naming
 * the node and the file.
 */
export function prepareForConversion(model: OnnxModel, options: InferenceOptions = {}): OnnxModel {
  return withFile(() => {
    let current = inferShapesAndFold(inlineFunctions(model), options).model;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const inlined = inlineConstantIfs(current);
      if (inlined === current) break;
      current = inferShapesAndFold(inlined, options).model;
    }
    return current;
  }, model.sourcePath);
}
