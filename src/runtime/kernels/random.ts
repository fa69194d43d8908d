import { elementCount } from '../../tensor/tensor.js';
import { mulberry32 } from '../../tensor/random.js';
import type { KernelTable, OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtValue } from '../value.js';

/**
 * random_uniform, random_normal, random_bernoulli and random_categorical.
 * The values come from this interpreter's own seeded generator (mulberry32;
 * seed -1 takes a fixed default), so a run reproduces, but they are not the
 * numbers Core ML draws on a device: outputs that depend on these ops cannot
 * be compared value by value, only their shape, dtype and distribution.
 */

export const NONDETERMINISTIC_OPS: ReadonlySet<string> = new Set(['random_uniform', 'random_normal', 'random_bernoulli', 'random_categorical']);

const DEFAULT_SEED = 0x5eed;

/** Uniform values in [0, 1). */
function generator(ctx: OpContext): () => number {
  const seed = ctx.num('seed', -1);
  return mulberry32(seed === -1 ? DEFAULT_SEED : seed);
}

/** A tensor of the declared output dtype and the given shape, filled by `draw`. */
function filled(ctx: OpContext, shape: number[], draw: () => number): RtValue[] {
  const dtype = ctx.outputDType();
  const data = allocFor(dtype === 'float16' ? 'float32' : dtype, elementCount(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return [makeValue(dtype, shape, data)];
}

function randomUniform(ctx: OpContext): RtValue[] {
  const next = generator(ctx);
  const low = ctx.num('low', 0);
  const high = ctx.num('high', 1);
  return filled(ctx, ctx.requiredInts('shape'), () => low + (high - low) * next());
}

function randomNormal(ctx: OpContext): RtValue[] {
  const next = generator(ctx);
  const mean = ctx.num('mean', 0);
  const stddev = ctx.num('stddev', 1);
  // Box–Muller; 1 − u keeps the logarithm finite.
  return filled(ctx, ctx.requiredInts('shape'), () => mean + stddev * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()));
}

function randomBernoulli(ctx: OpContext): RtValue[] {
  const next = generator(ctx);
  const prob = ctx.num('prob', 0.5);
  return filled(ctx, ctx.requiredInts('shape'), () => (next() < prob ? 1 : 0));
}

/** Draws `size` class indices per row of x [*D, N] from logits (or probabilities when mode = "probs"). */
function randomCategorical(ctx: OpContext): RtValue[] {
  const next = generator(ctx);
  const x = ctx.numeric('x');
  const size = ctx.num('size', 1);
  const logits = ctx.str('mode', 'logits') === 'logits';
  const n = x.shape[x.shape.length - 1]!;
  const rows = x.data.length / n;
  const picks: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.data.subarray(r * n, (r + 1) * n) as ArrayLike<number>, Number);
    const peak = Math.max(...row);
    const weights = logits ? row.map((v) => Math.exp(v - peak)) : row;
    const total = weights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < size; k++) {
      let u = next() * total;
      let c = 0;
      while (c < n - 1 && (u -= weights[c]!) >= 0) c++;
      picks.push(c);
    }
  }
  let i = 0;
  return filled(ctx, [...x.shape.slice(0, -1), size], () => picks[i++]!);
}

export const randomKernels: KernelTable = {
  random_uniform: randomUniform,
  random_normal: randomNormal,
  random_bernoulli: randomBernoulli,
  random_categorical: randomCategorical,
};
