import { elementCount } from '../../tensor/tensor.js';
import type { KernelTable, OpContext } from '../kernel.js';
import { makeFloat, type RtFloatValue, type RtValue } from '../value.js';

/**
 * einsum over two operands, equation "ab…,cd…->xy…" (letters only). Every
 * letter missing from the output is summed over; a dim of size 1 broadcasts
 * against the same letter in the other operand, as Apple's einsum tests
 * (test_linear.py TestEinsum) use for batch dims.
 */

interface Parsed {
  inputs: [string, string];
  output: string;
}

function parse(ctx: OpContext, equation: string): Parsed {
  const m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]*)$/.exec(equation.replace(/\s+/g, ''));
  if (!m) ctx.fail(`equation '${equation}' is not of the form "ab,bc->ac" (two operands, letters only)`);
  return { inputs: [m[1]!, m[2]!], output: m[3]! };
}

/** Size of every letter, broadcasting 1 against the other operand's size. */
function letterSizes(ctx: OpContext, p: Parsed, values: RtFloatValue[]): Map<string, number> {
  const sizes = new Map<string, number>();
  p.inputs.forEach((labels, k) => {
    const shape = values[k]!.shape;
    if (labels.length !== shape.length) ctx.fail(`operand ${k} has rank ${shape.length} but '${labels}' names ${labels.length} dims`);
    [...labels].forEach((l, d) => {
      const prev = sizes.get(l);
      const size = shape[d]!;
      if (prev !== undefined && prev !== size && prev !== 1 && size !== 1) ctx.fail(`dim '${l}' is ${prev} in one place and ${size} in another`);
      sizes.set(l, prev === undefined || prev === 1 ? size : prev);
    });
  });
  return sizes;
}

/** Strides of an operand per letter (0 for a broadcast dim or a letter it lacks). */
function strides(labels: string, shape: readonly number[], letters: string[]): number[] {
  const own = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    own[d] = shape[d] === 1 ? 0 : s;
    s *= shape[d]!;
  }
  return letters.map((l) => {
    const d = labels.indexOf(l);
    return d < 0 ? 0 : own[d]!;
  });
}

function einsum(ctx: OpContext): RtValue[] {
  const values = ctx.variadic('values').map((v, k) => {
    if (v.dtype !== 'float32' && v.dtype !== 'float16') ctx.fail(`operand ${k} must be fp16 or fp32`);
    return v as RtFloatValue;
  });
  if (values.length !== 2) ctx.fail(`expects two operands, got ${values.length}`);
  const p = parse(ctx, ctx.str('equation'));
  const sizes = letterSizes(ctx, p, values);
  const outLetters = [...p.output];
  for (const l of outLetters) if (!sizes.has(l)) ctx.fail(`output letter '${l}' is in no operand`);
  const letters = [...outLetters, ...[...sizes.keys()].filter((l) => !p.output.includes(l))];
  const dims = letters.map((l) => sizes.get(l)!);
  const [sa, sb] = values.map((v, k) => strides(p.inputs[k]!, v.shape, letters)) as [number[], number[]];
  const [a, b] = [values[0]!.data, values[1]!.data];
  const outShape = dims.slice(0, outLetters.length);
  const out = makeFloat(values[0]!.dtype, outShape);
  const sumCount = elementCount(dims.slice(outLetters.length));
  const idx = new Array<number>(letters.length).fill(0);
  for (let o = 0; o < out.data.length; o++) {
    let acc = 0;
    for (let s = 0; s < sumCount; s++) {
      let ia = 0;
      let ib = 0;
      for (let d = 0; d < letters.length; d++) {
        ia += idx[d]! * sa[d]!;
        ib += idx[d]! * sb[d]!;
      }
      acc += a[ia]! * b[ib]!;
      // Next summed index (innermost letter fastest), then carry into the output index.
      for (let d = letters.length - 1; d >= 0; d--) {
        if (++idx[d]! < dims[d]!) break;
        idx[d] = 0;
      }
    }
    out.data[o] = acc;
  }
  return [out];
}

export const einsumKernels: KernelTable = { einsum };
