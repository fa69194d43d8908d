import type { DType } from '../tensor/dtype.js';
import type { MilOperation, MilOpset } from '../mil/ir.js';
import { ToolError } from '../errors.js';
import { isFloatValue, type RtFloatValue, type RtNumeric, type RtNumericValue, type RtValue } from './value.js';

/**
 * What a kernel sees of one operation: its resolved parameters (bound by
 * name, by inline value, or — for iOS16/17 constexpr ops — stored as
 * attributes), the declared output types and the function's opset.
 */
export class OpContext {
  constructor(
    readonly op: MilOperation,
    readonly opset: MilOpset,
    private readonly params: ReadonlyMap<string, RtValue[]>,
    /** Parameters bound only to constants (inline values, const or constexpr outputs). */
    private readonly constantParams: ReadonlySet<string>,
    /** Runs a nested block of this op with the given block-input values. */
    readonly runBlock: (blockIndex: number, blockInputs: RtValue[]) => RtValue[],
  ) {}

  /** "op type 'name'" for messages. */
  get label(): string {
    return `${this.op.type} '${this.op.name}'`;
  }

  fail(message: string): never {
    throw new ToolError('RUNTIME', `${this.label}: ${message}`);
  }

  /** Whether a parameter is a program constant, so kernels may cache work derived from it. */
  isConstant(name: string): boolean {
    return this.constantParams.has(name);
  }

  has(name: string): boolean {
    return (this.params.get(name)?.length ?? 0) > 0;
  }

  optional(name: string): RtValue | undefined {
    return this.params.get(name)?.[0];
  }

  input(name: string): RtValue {
    const v = this.optional(name);
    if (!v) this.fail(`missing required parameter '${name}'`);
    return v;
  }

  /** All values bound to a variadic parameter (concat.values …). */
  variadic(name: string): RtValue[] {
    return this.params.get(name) ?? [];
  }

  numeric(name: string): RtNumericValue {
    const v = this.input(name);
    if (v.dtype === 'string') this.fail(`parameter '${name}' must be numeric`);
    return v as RtNumericValue;
  }

  float(name: string): RtFloatValue {
    const v = this.input(name);
    if (!isFloatValue(v)) this.fail(`parameter '${name}' must be fp16 or fp32, got ${v.dtype}`);
    return v;
  }

  optionalFloat(name: string): RtFloatValue | undefined {
    const v = this.optional(name);
    if (v && !isFloatValue(v)) this.fail(`parameter '${name}' must be fp16 or fp32, got ${v.dtype}`);
    return v as RtFloatValue | undefined;
  }

  str(name: string, fallback?: string): string {
    const v = this.optional(name);
    if (!v) {
      if (fallback === undefined) this.fail(`missing required parameter '${name}'`);
      return fallback;
    }
    const s = v.data[0];
    if (typeof s !== 'string') this.fail(`parameter '${name}' must be a string`);
    return s;
  }

  num(name: string, fallback?: number): number {
    const v = this.optional(name);
    if (!v || v.data.length === 0) {
      if (fallback === undefined) this.fail(`missing required parameter '${name}'`);
      return fallback;
    }
    const x = v.data[0];
    if (typeof x !== 'number') this.fail(`parameter '${name}' must be numeric`);
    return x;
  }

  bool(name: string, fallback: boolean): boolean {
    return this.num(name, fallback ? 1 : 0) !== 0;
  }

  /** A small integer list (axes, shapes, pads) as plain numbers. */
  ints(name: string): number[] | undefined {
    const v = this.optional(name);
    if (!v) return undefined;
    if (v.dtype === 'string') this.fail(`parameter '${name}' must be numeric`);
    return Array.from(v.data as RtNumeric);
  }

  requiredInts(name: string): number[] {
    const v = this.ints(name);
    if (!v) this.fail(`missing required parameter '${name}'`);
    return v;
  }

  /** Declared dtype of output i (the interpreter's compute dtype for it). */
  outputDType(i = 0): DType {
    const out = this.op.outputs[i];
    if (!out) this.fail(`has no output ${i}`);
    return out.type.dtype;
  }

  get outputCount(): number {
    return this.op.outputs.length;
  }
}

export type Kernel = (ctx: OpContext) => RtValue[];
export type KernelTable = Readonly<Record<string, Kernel>>;

/** Normalizes a possibly negative axis against a rank. */
export function normAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
