import { mergeFamilyTables, type FamilyTables } from '../../tables.js';
import type { FoldFn } from './types.js';
import { shapeFolds } from './shape.js';
import { elementwiseFolds } from './elementwise.js';
import { reduceFolds } from './reduce.js';
import { indexingFolds } from './indexing.js';

/** Every fold family, by the family name the converters use. */
export const FOLD_FAMILIES: FamilyTables<FoldFn> = {
  shape: shapeFolds,
  indexing: indexingFolds,
  elementwise: elementwiseFolds,
  reduce: reduceFolds,
};

const byOp = mergeFamilyTables('fold evaluator for ONNX op', FOLD_FAMILIES);

/** The fold evaluator for an ai.onnx op type, if any. */
export function foldFunctionFor(opType: string): FoldFn | undefined {
  return byOp[opType];
}

/** Ops whose result depends only on the input's static shape, not its values. */
const SHAPE_ONLY_OPS = new Set(['Shape', 'Size']);

export function foldsFromShapeAlone(opType: string): boolean {
  return SHAPE_ONLY_OPS.has(opType);
}

export { FoldSkip, MAX_FOLD_ELEMENTS } from './values.js';
