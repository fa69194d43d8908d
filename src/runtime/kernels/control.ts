import type { KernelTable, OpContext } from '../kernel.js';
import type { RtValue } from '../value.js';

/** Control flow: cond and while_loop run their nested blocks through the interpreter. */

function cond(ctx: OpContext): RtValue[] {
  const pred = ctx.numeric('pred');
  return ctx.runBlock(pred.data[0] ? 0 : 1, []);
}

/** Refuses to spin forever on a loop whose condition never turns false. */
const MAX_LOOP_ITERATIONS = 1_000_000;

function whileLoop(ctx: OpContext): RtValue[] {
  let vars = ctx.variadic('loop_vars');
  for (let i = 0; ; i++) {
    if (i >= MAX_LOOP_ITERATIONS) ctx.fail(`loop ran ${MAX_LOOP_ITERATIONS} iterations without ending`);
    const [again] = ctx.runBlock(0, vars);
    if (!again || !again.data[0]) return vars;
    vars = ctx.runBlock(1, vars);
  }
}

export const controlKernels: KernelTable = {
  cond,
  while_loop: whileLoop,
};
