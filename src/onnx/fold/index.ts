import type { FoldFn, FoldTable } from './types.js';
import { shapeFolds } from './shape.js';
import { elementwiseFolds } from './elementwise.js';
import { reduceFolds } from './reduce.js';
import { indexingFolds } from './indexing.js';

const FAMILIES: readonly FoldTable[] = [shapeFolds, indexingFolds, elementwiseFolds, reduceFolds];

const byOp = new Map<string, FoldFn>();
for (const table of FAMILIES) for (const [op, fn] of Object.entries(table)) byOp.set(op, fn);

/** The fold evaluator for an ai.onnx op type, if any. */
export function foldFunctionFor(opType: string): FoldFn | undefined {
  return byOp.get(opType);
}

/** Ops whose result depends only on the input's static shape, not its values. */
const SHAPE_ONLY_OPS = new Set(['Shape', 'Size']);

export function foldsFromShapeAlone(opType: string): boolean {
  return SHAPE_ONLY_OPS.has(opType);
}

export { FoldSkip, MAX_FOLD_ELEMENTS } from './values.js';
