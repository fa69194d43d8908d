import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { MilShapeError } from './elementwise.js';

/**
 * MIL control flow: `cond` (pred; blocks [then, else], both returning the
 * same types) and `while_loop` (loop_vars; blocks [condition, body]: the
 * condition block returns one bool, the body returns new loop_vars of the
 * same types). Output types come from the nested blocks. The condition may be
 * a bool scalar or a bool [1]: Apple's while_loop tests return `less` of two
 * [1] tensors there, and Core ML runs them.
 */

const ANY: readonly DType[] = ['float16', 'float32', 'int32', 'bool'];

function sameType(a: MilTensorType, b: MilTensorType): boolean {
  const sameKind = a.collection?.kind === b.collection?.kind;
  return sameKind && a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function describe(types: readonly MilTensorType[]): string {
  return types.map((t) => `${t.dtype}[${t.shape.map((d) => d ?? '?').join(', ')}]`).join(', ');
}

const isOneValue = (t: MilTensorType): boolean => t.shape.length === 0 || (t.shape.length === 1 && t.shape[0] === 1);

function condOutputs(input: TypeRuleInput): MilTensorType[] {
  const blocks = input.blocks ?? [];
  if (blocks.length !== 2) throw new MilShapeError(`cond needs two blocks (then, else), got ${blocks.length}`);
  const [then, otherwise] = [blocks[0]!.outputs, blocks[1]!.outputs];
  const pred = input.type('pred');
  if (pred && pred.shape.length !== 0) throw new MilShapeError('cond.pred must be a bool scalar');
  if (then.length !== otherwise.length || then.some((t, i) => !sameType(t, otherwise[i]!))) {
    throw new MilShapeError(`cond branches must return the same types: (${describe(then)}) vs (${describe(otherwise)})`);
  }
  return then.map((t) => ({ ...t, shape: [...t.shape] }));
}

function whileOutputs(input: TypeRuleInput): MilTensorType[] {
  const vars = input.types('loop_vars');
  const blocks = input.blocks ?? [];
  if (blocks.length !== 2) throw new MilShapeError(`while_loop needs two blocks (condition, body), got ${blocks.length}`);
  const [condition, body] = [blocks[0]!, blocks[1]!];
  for (const blk of [condition, body]) {
    if (blk.inputs.length !== vars.length || blk.inputs.some((t, i) => !sameType(t, vars[i]!))) {
      throw new MilShapeError(`while_loop blocks must take the loop_vars (${describe(vars)}), got (${describe(blk.inputs)})`);
    }
  }
  const test = condition.outputs;
  if (test.length !== 1 || test[0]!.dtype !== 'bool' || !isOneValue(test[0]!)) {
    throw new MilShapeError(`while_loop condition must return one bool (a scalar or [1]), got (${describe(test)})`);
  }
  if (body.outputs.length !== vars.length || body.outputs.some((t, i) => !sameType(t, vars[i]!))) {
    throw new MilShapeError(`while_loop body must return the loop_vars' types (${describe(vars)}), got (${describe(body.outputs)})`);
  }
  return vars.map((t) => ({ ...t, shape: [...t.shape] }));
}

const cond: MilOpDef = {
  name: 'cond',
  since: 'iOS15',
  inputs: { pred: { type: ['bool'] } },
  outputs: condOutputs,
};

const whileLoop: MilOpDef = {
  name: 'while_loop',
  since: 'iOS15',
  // A fixed dtype list (not a type domain), so that each loop var keeps its own dtype.
  inputs: { loop_vars: { type: ANY, variadic: true } },
  outputs: whileOutputs,
};

/** The control family's MIL op definitions, one entry per op and deployment target that changed it. */
export const controlOpDefs: readonly MilOpDef[] = [cond, whileLoop];
