import type { DType } from '../tensor/dtype.js';
import { float32ToFloat16Bits } from '../tensor/fp16.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { lookupMilOp, type MilOpDef, type TypeRuleInput } from './catalogue.js';
import {
  opsetForTarget,
  type DeploymentTarget,
  type MilBinding,
  type MilBlock,
  type MilFunction,
  type MilOperation,
  type MilOpSource,
  type MilTensorType,
  type MilVar,
} from './ir.js';
import { NameAllocator } from './sanitize.js';

/** An argument: the name of an existing value, or a tensor that becomes a const op. */
export type MilArg = string | Tensor;

export interface OpOptions {
  /** Name hint for the op and its (first) output; sanitized and made unique. */
  name?: string;
  /** Name hints for each output; its length sets the number of outputs. */
  outputNames?: string[];
  /** Number of outputs when no names are given (split). Default 1. */
  numOutputs?: number;
}

/** Raised when an op does not fit its catalogue definition: a converter bug, never a user error. */
export class MilBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MilBuildError';
  }
}

interface BlockFrame {
  block: MilBlock;
}

/**
 * Builds one MIL function op by op, validating each against the catalogue and
 * computing output types with the catalogue's type rules.
 */
export class MilBuilder {
  readonly target: DeploymentTarget;
  readonly names = new NameAllocator();
  private readonly types = new Map<string, MilTensorType>();
  private readonly constants = new Map<string, Tensor>();
  private readonly inputs: MilVar[] = [];
  private readonly frames: BlockFrame[] = [{ block: { inputs: [], operations: [], outputs: [] } }];
  private source: MilOpSource | undefined;

  constructor(target: DeploymentTarget) {
    this.target = target;
  }

  /** Runs `body` with every op it adds recorded as made for `source`; the previous source is restored after, so nested nodes (subgraph bodies) record their own. */
  withSource<T>(source: MilOpSource, body: () => T): T {
    const outer = this.source;
    this.source = source;
    try {
      return body();
    } finally {
      this.source = outer;
    }
  }

  /** Declares a function input; returns its (sanitized) name. */
  addInput(name: string, type: MilTensorType): string {
    const v = this.names.allocate(name);
    this.types.set(v, type);
    this.inputs.push({ name: v, type });
    return v;
  }

  /** Adds a const op holding `value`; returns the output name. */
  const(value: Tensor, nameHint = 'const'): string {
    const name = this.names.allocate(nameHint);
    const type: MilTensorType = { dtype: value.dtype, shape: [...value.shape] };
    // Constants live in the function's block, so a constant first used inside a nested block stays visible after it.
    this.frames[0]!.block.operations.push({
      type: 'const',
      name,
      inputs: {},
      outputs: [{ name, type }],
      attributes: { val: value },
      blocks: [],
      ...this.sourceField(),
    });
    this.types.set(name, type);
    this.constants.set(name, value);
    return name;
  }

  /**
   * Builds a nested block (a branch of cond, the condition or body of
   * while_loop): declares its inputs, lets `body` emit ops into it and
   * returns the block with the values `body` returns as its outputs. Values
   * of enclosing blocks stay readable inside it.
   */
  nestedBlock(inputs: readonly { name: string; type: MilTensorType }[], body: (inputNames: string[]) => string[]): MilBlock {
    const vars: MilVar[] = inputs.map((i) => ({ name: this.names.allocate(i.name), type: i.type }));
    for (const v of vars) this.types.set(v.name, v.type);
    const block: MilBlock = { inputs: vars, operations: [], outputs: [] };
    this.frames.push({ block });
    try {
      block.outputs = body(vars.map((v) => v.name));
    } finally {
      this.frames.pop();
    }
    for (const o of block.outputs) if (!this.types.has(o)) throw new MilBuildError(`block output "${o}" is not defined`);
    return block;
  }

  /** Adds an op that owns nested blocks (cond, while_loop); its output types may depend on the blocks. */
  opWithBlocks(type: string, args: Record<string, MilArg | readonly MilArg[] | undefined>, blocks: MilBlock[], options: OpOptions = {}): string[] {
    const blockTypes = blocks.map((blk) => ({ inputs: blk.inputs.map((v) => v.type), outputs: blk.outputs.map((o) => this.typeOf(o)) }));
    return this.op(type, args, options, { blocks, blockTypes });
  }

  /** Adds an op and returns the names of its outputs. */
  op(
    type: string,
    args: Record<string, MilArg | readonly MilArg[] | undefined>,
    options: OpOptions = {},
    nested?: { blocks: MilBlock[]; blockTypes: NonNullable<TypeRuleInput['blocks']> },
  ): string[] {
    const def = lookupMilOp(type, this.target);
    if (!def) throw new MilBuildError(`MIL op "${type}" does not exist in opset ${opsetForTarget(this.target)}`);
    const opName = this.names.allocate(options.name ?? type, 'op_');
    const inputs: Record<string, MilBinding[]> = {};
    for (const [param, arg] of Object.entries(args)) {
      if (arg === undefined) continue;
      const list = Array.isArray(arg) ? (arg as readonly MilArg[]) : [arg as MilArg];
      inputs[param] = list.map((a, i) => ({
        kind: 'name',
        name: typeof a === 'string' ? a : this.const(a, `${opName}_${param}${list.length > 1 ? `_${i}` : ''}`),
      }));
    }
    this.validate(def, inputs);
    const numOutputs = options.outputNames?.length ?? options.numOutputs ?? 1;
    const outTypes = def.outputs({ ...this.ruleInput(inputs, numOutputs), ...(nested ? { blocks: nested.blockTypes } : {}) });
    const outputs: MilVar[] = outTypes.map((t, i) => ({
      name: i === 0 && !options.outputNames ? opName : this.names.allocate(options.outputNames?.[i] ?? `${opName}_${i}`),
      type: t,
    }));
    const op: MilOperation = { type, name: opName, inputs, outputs, attributes: {}, blocks: nested?.blocks ?? [], ...this.sourceField() };
    if (def.paramsAsAttributes) {
      for (const [param, bindings] of Object.entries(inputs)) {
        const value = this.constants.get((bindings[0] as { name: string }).name);
        if (!value) throw new MilBuildError(`${type}.${param} must be constant`);
        op.attributes[param] = value;
      }
      op.inputs = {};
    }
    this.current().operations.push(op);
    for (const o of outputs) this.types.set(o.name, o.type);
    return outputs.map((o) => o.name);
  }

  /** Adds a single-output op and returns its output name. */
  op1(type: string, args: Record<string, MilArg | readonly MilArg[] | undefined>, options: OpOptions = {}): string {
    const outs = this.op(type, args, options);
    if (outs.length !== 1) throw new MilBuildError(`MIL op "${type}" has ${outs.length} outputs, expected 1`);
    return outs[0]!;
  }

  typeOf(name: string): MilTensorType {
    const t = this.types.get(name);
    if (!t) throw new MilBuildError(`unknown MIL value "${name}"`);
    return t;
  }

  /** The constant behind a value, if it is the output of a const op. */
  constValue(name: string): Tensor | undefined {
    return this.constants.get(name);
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  /** Finishes the function; `outputs` are value names, in model output order. */
  finish(outputs: string[]): MilFunction {
    if (this.frames.length !== 1) throw new MilBuildError('unclosed nested block');
    const block = this.frames[0]!.block;
    for (const o of outputs) if (!this.types.has(o)) throw new MilBuildError(`output "${o}" is not defined`);
    block.outputs = [...outputs];
    return { inputs: [...this.inputs], opset: opsetForTarget(this.target), block };
  }

  /** The operations emitted so far in the current block (passes and tests read this). */
  operations(): readonly MilOperation[] {
    return this.current().operations;
  }

  private sourceField(): { source?: MilOpSource } {
    return this.source ? { source: this.source } : {};
  }

  private current(): MilBlock {
    return this.frames[this.frames.length - 1]!.block;
  }

  private ruleInput(inputs: Record<string, MilBinding[]>, numOutputs: number): TypeRuleInput {
    const nameOf = (b: MilBinding | undefined): string | undefined => (b?.kind === 'name' ? b.name : undefined);
    return {
      type: (p) => {
        const n = nameOf(inputs[p]?.[0]);
        return n === undefined ? undefined : this.typeOf(n);
      },
      types: (p) => (inputs[p] ?? []).map((b) => this.typeOf(nameOf(b)!)),
      value: (p) => {
        const n = nameOf(inputs[p]?.[0]);
        return n === undefined ? undefined : this.constants.get(n);
      },
      values: (p) => (inputs[p] ?? []).map((b) => {
        const n = nameOf(b);
        return n === undefined ? undefined : this.constants.get(n);
      }),
      numOutputs,
      target: this.target,
    };
  }

  private validate(def: MilOpDef, inputs: Record<string, MilBinding[]>): void {
    const where = `${def.name} (${opsetForTarget(this.target)})`;
    for (const param of Object.keys(inputs)) {
      if (!def.inputs[param]) throw new MilBuildError(`${where} has no parameter "${param}"`);
    }
    const domainDTypes = new Map<string, DType>();
    for (const [param, spec] of Object.entries(def.inputs)) {
      const bindings = inputs[param];
      if (!bindings || bindings.length === 0) {
        if (!spec.optional) throw new MilBuildError(`${where} needs parameter "${param}"`);
        continue;
      }
      if (!spec.variadic && bindings.length !== 1) throw new MilBuildError(`${where}.${param} takes one value`);
      for (const b of bindings) {
        const name = (b as { name: string }).name;
        const t = this.typeOf(name);
        if (spec.const && !this.isConstLike(name)) throw new MilBuildError(`${where}.${param} must be a constant`);
        if (typeof spec.type === 'string') {
          const allowed = def.typeDomains?.[spec.type];
          if (allowed && !allowed.includes(t.dtype)) {
            throw new MilBuildError(`${where}.${param} has dtype ${t.dtype}, allowed: ${allowed.join(', ')}`);
          }
          const seen = domainDTypes.get(spec.type);
          if (seen && seen !== t.dtype) {
            throw new MilBuildError(`${where}.${param} is ${t.dtype} but another ${spec.type} parameter is ${seen}`);
          }
          domainDTypes.set(spec.type, t.dtype);
        } else if (!spec.type.includes(t.dtype)) {
          throw new MilBuildError(`${where}.${param} has dtype ${t.dtype}, allowed: ${spec.type.join(', ')}`);
        }
      }
    }
  }

  private isConstLike(name: string): boolean {
    if (this.constants.has(name)) return true;
    for (const frame of this.frames) {
      const op = frame.block.operations.find((o) => o.outputs.some((v) => v.name === name));
      if (op && op.type.startsWith('constexpr_')) return true;
    }
    return false;
  }
}

/** Small constant helpers for op parameters. */
export const milConst = {
  str: (s: string): Tensor => makeTensor('string', [], [s]),
  bool: (b: boolean): Tensor => makeTensor('bool', [], new Uint8Array([b ? 1 : 0])),
  int: (n: number): Tensor => makeTensor('int32', [], new Int32Array([n])),
  ints: (ns: readonly number[]): Tensor => makeTensor('int32', [ns.length], Int32Array.from(ns)),
  float: (x: number, dtype: 'float32' | 'float16' = 'float32'): Tensor =>
    dtype === 'float32' ? makeTensor('float32', [], new Float32Array([x])) : halfScalar(x),
  floats: (xs: readonly number[]): Tensor => makeTensor('float32', [xs.length], Float32Array.from(xs)),
};

function halfScalar(x: number): Tensor {
  return makeTensor('float16', [], Uint16Array.from([float32ToFloat16Bits(x)]));
}
