import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import type { MilBinding, MilBlock, MilOperation, MilProgram } from '../ir.js';
import { boundConstant, constantValues, constOp, functionNames } from './uses.js';

/**
 * real_div by a float32 constant becomes mul by its reciprocal, as
 * coremltools' divide_to_multiply does before casting to fp16: the
 * reciprocal is taken once in float64 and rounded to float32, so x / 6
 * (hard-swish as exporters write it) costs a multiplication and the fp16
 * program carries 1/6 instead of a division. A divisor of 0 gives ±Inf as
 * the division would (x · Inf = x / 0 for x ≠ 0; both NaN for x = 0).
 * Integer division is left alone. Returns the number of ops rewritten.
 */
export function divideToMultiply(program: MilProgram): number {
  let rewritten = 0;
  for (const fn of Object.values(program.functions)) {
    const constants = constantValues(fn.block);
    const names = functionNames(fn);
    const rewriteBlock = (block: MilBlock): void => {
      const kept: MilOperation[] = [];
      // One reciprocal per divisor const in a block, however many divisions read it.
      const reciprocals = new Map<string, string>();
      for (const op of block.operations) {
        for (const inner of op.blocks) rewriteBlock(inner);
        const divisor = op.type === 'real_div' ? boundConstant(op, 'y', constants) : undefined;
        const reciprocal = divisor?.dtype === 'float32' ? reciprocalOf(divisor) : undefined;
        if (reciprocal) {
          const y = op.inputs['y']![0]!;
          let binding: MilBinding = { kind: 'value', value: reciprocal };
          if (y.kind === 'name') {
            let holder = reciprocals.get(y.name);
            if (!holder) {
              holder = names.allocate(`${y.name}_reciprocal`);
              kept.push(constOp(holder, reciprocal));
              reciprocals.set(y.name, holder);
            }
            binding = { kind: 'name', name: holder };
          }
          op.type = 'mul';
          op.inputs = { ...op.inputs, y: [binding] };
          rewritten++;
        }
        kept.push(op);
      }
      block.operations = kept;
    };
    rewriteBlock(fn.block);
  }
  return rewritten;
}

/** 1/t per element, or undefined when a non-zero divisor is so small (subnormal) that its reciprocal overflows float32. */
function reciprocalOf(t: Tensor): Tensor | undefined {
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    out[i] = 1 / src[i]!;
    if (!Number.isFinite(out[i]) && src[i] !== 0) return undefined;
  }
  return makeTensor('float32', t.shape, out);
}
