import { ToolError } from '../errors.js';
import { walkOperations, type MilBinding, type MilBlock, type MilFunction, type MilOperation, type MilTensorType } from '../mil/ir.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Small edits of a finished ML program's main function: the interface adds a prologue
 * after an input (image preprocessing) and an epilogue before an output (softmax,
 * classify, de-normalization). Ops are written as data with their declared types;
 * names are fresh in the whole function.
 */

export class ProgramEditor {
  private readonly taken = new Set<string>();

  constructor(readonly fn: MilFunction) {
    for (const v of fn.inputs) this.taken.add(v.name);
    for (const op of walkOperations(fn.block)) {
      this.taken.add(op.name);
      for (const o of op.outputs) this.taken.add(o.name);
    }
  }

  /** A name not used anywhere in the function, based on `hint`. */
  fresh(hint: string): string {
    let name = hint;
    for (let k = 1; this.taken.has(name); k++) name = `${hint}_${k}`;
    this.taken.add(name);
    return name;
  }

  /** Takes `name` as it is; refuses when the function already uses it. */
  claim(name: string, what: string): string {
    if (this.taken.has(name)) throw new ToolError('USAGE', `${what} "${name}" is already a name in the program; choose another`);
    this.taken.add(name);
    return name;
  }

  /** The type of a function input or op output. */
  typeOf(name: string): MilTensorType {
    const input = this.fn.inputs.find((v) => v.name === name);
    if (input) return input.type;
    for (const op of walkOperations(this.fn.block)) for (const o of op.outputs) if (o.name === name) return o.type;
    throw new ToolError('INTERNAL', `value "${name}" is not in the program`);
  }

  /** The op whose output is `name` in the top-level block, if any. */
  producer(name: string): MilOperation | undefined {
    return this.fn.block.operations.find((op) => op.outputs.some((o) => o.name === name));
  }

  /** Makes every reader of `from` (nested blocks and block outputs included) read `to` instead. */
  redirectReads(from: string, to: string, skip?: ReadonlySet<MilOperation>): void {
    redirectBlock(this.fn.block, from, to, skip);
  }

  /** Renames the op output `from` to `to`, and every read of it. */
  renameOutput(from: string, to: string): void {
    const op = this.producer(from);
    if (!op) throw new ToolError('INTERNAL', `value "${from}" is not produced by a top-level op`);
    for (const o of op.outputs) if (o.name === from) o.name = to;
    this.redirectReads(from, to);
  }

  /** A const op holding `value`. */
  constOp(value: Tensor, hint: string, type: MilTensorType = { dtype: value.dtype, shape: [...value.shape] }): MilOperation {
    const name = this.fresh(hint);
    return { type: 'const', name, inputs: {}, outputs: [{ name, type }], attributes: { val: value }, blocks: [] };
  }

  /** An op with the given parameter bindings (value names) and outputs. */
  op(type: string, inputs: Record<string, string>, outputs: { name: string; type: MilTensorType }[], hint = type): MilOperation {
    const bindings: Record<string, MilBinding[]> = {};
    for (const [param, name] of Object.entries(inputs)) bindings[param] = [{ kind: 'name', name }];
    return { type, name: this.fresh(`${hint}_op`), inputs: bindings, outputs, attributes: {}, blocks: [] };
  }

  prepend(ops: readonly MilOperation[]): void {
    this.fn.block.operations.unshift(...ops);
  }

  append(ops: readonly MilOperation[]): void {
    this.fn.block.operations.push(...ops);
  }
}

function redirectBlock(block: MilBlock, from: string, to: string, skip?: ReadonlySet<MilOperation>): void {
  for (const op of block.operations) {
    if (skip?.has(op)) continue;
    for (const bindings of Object.values(op.inputs)) {
      bindings.forEach((b, i) => {
        if (b.kind === 'name' && b.name === from) bindings[i] = { kind: 'name', name: to };
      });
    }
    for (const inner of op.blocks) redirectBlock(inner, from, to, skip);
  }
  block.outputs = block.outputs.map((o) => (o === from ? to : o));
}

/** A float32 constant: a scalar, or per channel as [1, C, 1, 1] so it broadcasts over NCHW. */
export function channelConstant(values: readonly number[]): Tensor {
  if (values.length === 1) return makeTensor('float32', [], Float32Array.of(values[0]!));
  return makeTensor('float32', [1, values.length, 1, 1], Float32Array.from(values));
}
