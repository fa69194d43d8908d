import type { KernelTable, OpContext } from '../kernel.js';
import type { RtValue } from '../value.js';

/**
 * classify: Core ML's classifier output. The predicted class is the class with the
 * highest probability (the first one on ties, NaN never wins); the dictionary holds
 * every class's probability, kept here as one value per class in the order of `classes`.
 */
function classify(ctx: OpContext): RtValue[] {
  const probabilities = ctx.float('probabilities');
  const classes = ctx.input('classes');
  const n = probabilities.data.length;
  if (classes.data.length !== n) ctx.fail(`${classes.data.length} classes for ${n} probabilities`);
  let best = -1;
  for (let i = 0; i < n; i++) {
    const p = probabilities.data[i]!;
    if (!Number.isNaN(p) && (best < 0 || p > probabilities.data[best]!)) best = i;
  }
  if (best < 0) ctx.fail('every probability is NaN: no class can be predicted');
  const label: RtValue =
    classes.dtype === 'string'
      ? { dtype: 'string', shape: [], data: [(classes.data as string[])[best]!] }
      : { dtype: classes.dtype, shape: [], data: (classes.data as Int32Array).slice(best, best + 1) };
  const dictionary: RtValue = { dtype: 'float32', shape: [n], data: Float32Array.from(probabilities.data) };
  return [label, dictionary];
}

export const classifyKernels: KernelTable = { classify };
