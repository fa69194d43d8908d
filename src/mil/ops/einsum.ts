import type { MilOpDef } from '../catalogue.js';
import { DOMAIN_F, MilShapeError } from './elementwise.js';
import { stringParam } from './window.js';

/**
 * The MIL definition of einsum (iOS15): two operands of one rank and dtype,
 * and only the two equations Core ML implements, a batched matmul over the
 * second-to-last axis of rank 4 ("nchw,nwhu->nchu") or rank 3
 * ("chw,whu->chu"), any letters. Axes −2 (and −4 at rank 4) broadcast a size
 * of 1; the letter numbering is by first appearance, as Apple's parser does.
 */

type Dim = number | null;

/** Each operand's (and the output's) letters as numbers, numbered by first appearance across the equation. */
function letterNumbers(equation: string): number[][] {
  const sides = equation.replace(/\s+/g, '').split('->');
  if (sides.length !== 2) throw new MilShapeError(`einsum: equation "${equation}" must have one "->"`);
  const seen = new Map<string, number>();
  return [...sides[0]!.split(','), sides[1]!].map((term) => [...term].map((c) => {
    if (!seen.has(c)) seen.set(c, seen.size);
    return seen.get(c)!;
  }));
}

const SUPPORTED = ['0123,0324->0124', '012,213->013'];

/** The larger of two broadcast dims, a known size when one side is unknown (as Apple's inference keeps the symbol). */
function broadcastDim(a: Dim, b: Dim, what: string): Dim {
  if (a === null || b === null) return a ?? b;
  if (a !== b && a !== 1 && b !== 1) throw new MilShapeError(`einsum: ${what} sizes ${a} and ${b} do not broadcast`);
  return Math.max(a, b);
}

const einsum: MilOpDef = {
  name: 'einsum',
  since: 'iOS15',
  inputs: { values: { type: 'T', variadic: true }, equation: { type: ['string'], const: true } },
  typeDomains: { T: DOMAIN_F },
  outputs: (input) => {
    const values = input.types('values');
    if (values.length !== 2) throw new MilShapeError(`einsum: values must hold 2 operands, got ${values.length}`);
    const [x, y] = [values[0]!, values[1]!];
    const rank = x.shape.length;
    if (y.shape.length !== rank) throw new MilShapeError(`einsum: operands have ranks ${rank} and ${y.shape.length}`);
    const equation = stringParam(input, 'equation', '');
    const [first, second, output] = letterNumbers(equation).map((t) => t.join(''));
    if (first?.length !== rank || !SUPPORTED.includes(`${first},${second}->${output}`)) throw new MilShapeError(`einsum: unsupported equation "${equation}" for rank ${rank}`);
    const at = (s: readonly Dim[], i: number): Dim => s[rank + i]!;
    const [inner, innerY] = [at(x.shape, -1), at(y.shape, -3)];
    if (inner !== null && innerY !== null && inner !== innerY) throw new MilShapeError(`einsum: contracted sizes ${inner} and ${innerY} differ`);
    const shape: Dim[] = [at(x.shape, -3), broadcastDim(at(x.shape, -2), at(y.shape, -2), 'axis -2'), at(y.shape, -1)];
    if (rank === 4) shape.unshift(broadcastDim(at(x.shape, -4), at(y.shape, -4), 'axis -4'));
    return [{ dtype: x.dtype, shape }];
  },
};

/** The einsum family's MIL op definition. */
export const einsumOpDefs: readonly MilOpDef[] = [einsum];
