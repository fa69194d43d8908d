import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { lookupMilOp, type MilOpDef, type TypeRuleInput } from './catalogue.js';
import {
  targetForOpset,
  type DeploymentTarget,
  type MilBinding,
  type MilBlock,
  type MilOperation,
  type MilProgram,
  type MilTensorType,
} from './ir.js';
import { printType } from './print.js';
import { isConstLikeOp } from './passes/uses.js';
import { isValidIdentifier } from './sanitize.js';

/**
 * Checks a program against the rules Core ML enforces when it compiles a
 * model, so a bad program is caught here rather than on a device. Returns one
 * message per problem (empty when the program is valid).
 */

const MAX_RANK = 5;

interface FunctionScope {
  fn: string;
  target: DeploymentTarget | undefined;
  problems: string[];
  /** Every var defined so far in the function: detects duplicates across scopes. */
  defined: Set<string>;
  /** Var name → the op that produced it (undefined for function and block inputs). */
  producers: Map<string, MilOperation | undefined>;
  /** Var name → the ops that read it. */
  readers: Map<string, MilOperation[]>;
  types: Map<string, MilTensorType>;
  /** Values of const op outputs. */
  values: Map<string, Tensor>;
}

export function validateProgram(program: MilProgram): string[] {
  const problems: string[] = [];
  for (const [name, fn] of Object.entries(program.functions)) {
    if (!isValidIdentifier(name)) problems.push(`function name "${name}" is not a valid MIL identifier`);
    const target = targetForOpset(fn.opset);
    if (!target) problems.push(`function ${name}: unknown opset "${fn.opset}"`);
    const scope: FunctionScope = {
      fn: name, target, problems, defined: new Set(), producers: new Map(), readers: new Map(), types: new Map(), values: new Map(),
    };
    const visible = new Set<string>();
    for (const input of fn.inputs) {
      define(scope, input.name, undefined, 'function input');
      scope.types.set(input.name, input.type);
      visible.add(input.name);
      if (input.type.shape.length > MAX_RANK) {
        problems.push(`${name}: input "${input.name}" has rank ${input.type.shape.length}; Core ML allows at most ${MAX_RANK}`);
      }
    }
    checkBlock(scope, fn.block, visible);
    checkConstRanks(scope);
  }
  return problems;
}

function define(scope: FunctionScope, name: string, producer: MilOperation | undefined, what: string): void {
  if (!isValidIdentifier(name)) scope.problems.push(`${scope.fn}: ${what} "${name}" is not a valid MIL identifier`);
  if (scope.defined.has(name)) scope.problems.push(`${scope.fn}: ${what} "${name}" is defined more than once`);
  scope.defined.add(name);
  scope.producers.set(name, producer);
}

/** Walks ops in order: each read must name a value visible at that point. */
function checkBlock(scope: FunctionScope, block: MilBlock, outer: ReadonlySet<string>): void {
  const visible = new Set(outer);
  for (const v of block.inputs) {
    define(scope, v.name, undefined, 'block input');
    scope.types.set(v.name, v.type);
    visible.add(v.name);
  }
  for (const op of block.operations) {
    const where = `${scope.fn}: ${op.type} "${op.name}"`;
    if (!isValidIdentifier(op.name)) scope.problems.push(`${where}: op name is not a valid MIL identifier`);
    for (const [param, bindings] of Object.entries(op.inputs)) {
      for (const b of bindings) {
        if (b.kind !== 'name') continue;
        if (!visible.has(b.name)) scope.problems.push(`${where}: ${param} reads "${b.name}" before it is defined`);
        const readers = scope.readers.get(b.name) ?? [];
        readers.push(op);
        scope.readers.set(b.name, readers);
      }
    }
    // Nested blocks first: the output types of cond and while_loop come from them.
    for (const inner of op.blocks) checkBlock(scope, inner, visible);
    checkAgainstCatalogue(scope, op, where);
    const constValue = op.type === 'const' ? op.attributes['val'] : undefined;
    if (constValue && op.outputs[0]) scope.values.set(op.outputs[0].name, constValue);
    for (const out of op.outputs) {
      define(scope, out.name, op, 'output');
      scope.types.set(out.name, out.type);
      visible.add(out.name);
      if (!isConstLikeOp(op) && out.type.shape.length > MAX_RANK) {
        scope.problems.push(`${where}: output "${out.name}" has rank ${out.type.shape.length}; Core ML allows at most ${MAX_RANK}`);
      }
    }
  }
  for (const name of block.outputs) {
    if (!visible.has(name)) scope.problems.push(`${scope.fn}: block output "${name}" is not defined`);
  }
}

/** Parameters must exist in the op's definition for this opset, required ones must be bound, const ones to constants. */
function checkAgainstCatalogue(scope: FunctionScope, op: MilOperation, where: string): void {
  if (op.type === 'const' || !scope.target) return;
  const def = lookupMilOp(op.type, scope.target);
  if (!def) {
    scope.problems.push(`${where}: op does not exist in opset of ${scope.target}`);
    return;
  }
  const bound = def.paramsAsAttributes ? op.attributes : op.inputs;
  for (const param of Object.keys(op.inputs)) {
    if (!def.inputs[param]) scope.problems.push(`${where}: no parameter "${param}" in the ${scope.target} definition`);
  }
  for (const [param, spec] of Object.entries(def.inputs)) {
    if (!(param in bound)) {
      if (!spec.optional) scope.problems.push(`${where}: required parameter "${param}" is missing`);
      continue;
    }
    if (!spec.const || def.paramsAsAttributes) continue;
    for (const b of op.inputs[param] ?? []) {
      if (b.kind !== 'name') continue;
      const producer = scope.producers.get(b.name);
      if (!producer || !isConstLikeOp(producer)) {
        scope.problems.push(`${where}: parameter "${param}" must be a constant but reads "${b.name}"`);
      }
    }
  }
  checkTypes(scope, def, op, where);
}

/** The bindings of each parameter; constexpr ops of iOS16/17 keep theirs as attributes. */
function bindingsOf(def: MilOpDef, op: MilOperation): Record<string, MilBinding[]> {
  if (!def.paramsAsAttributes) return op.inputs;
  return Object.fromEntries(Object.entries(op.attributes).map(([k, v]) => [k, [{ kind: 'value', value: v } as MilBinding]]));
}

/** Dtypes must lie in each parameter's domain, and the declared output types must match the catalogue's rule. */
function checkTypes(scope: FunctionScope, def: MilOpDef, op: MilOperation, where: string): void {
  const bindings = bindingsOf(def, op);
  const typeOf = (b: MilBinding | undefined): MilTensorType | undefined =>
    b === undefined ? undefined : b.kind === 'name' ? scope.types.get(b.name) : { dtype: b.value.dtype, shape: [...b.value.shape] };
  const domainDTypes = new Map<string, DType>();
  for (const [param, spec] of Object.entries(def.inputs)) {
    for (const b of bindings[param] ?? []) {
      const t = typeOf(b);
      if (!t) continue;
      const allowed = typeof spec.type === 'string' ? def.typeDomains?.[spec.type] : spec.type;
      if (allowed && !allowed.includes(t.dtype)) scope.problems.push(`${where}: ${param} has dtype ${t.dtype}, allowed: ${allowed.join(', ')}`);
      if (typeof spec.type !== 'string') continue;
      const seen = domainDTypes.get(spec.type);
      if (seen && seen !== t.dtype) scope.problems.push(`${where}: ${param} is ${t.dtype} but another ${spec.type} parameter is ${seen}`);
      domainDTypes.set(spec.type, t.dtype);
    }
  }
  const valueOf = (b: MilBinding | undefined): Tensor | undefined =>
    b === undefined ? undefined : b.kind === 'value' ? b.value : scope.values.get(b.name);
  const input: TypeRuleInput = {
    type: (p) => typeOf(bindings[p]?.[0]),
    types: (p) => (bindings[p] ?? []).flatMap((b) => typeOf(b) ?? []),
    value: (p) => valueOf(bindings[p]?.[0]),
    values: (p) => (bindings[p] ?? []).map(valueOf),
    numOutputs: op.outputs.length,
    target: scope.target!,
    blocks: op.blocks.map((blk) => ({
      inputs: blk.inputs.map((v) => v.type),
      outputs: blk.outputs.flatMap((name) => scope.types.get(name) ?? []),
    })),
  };
  let expected: MilTensorType[];
  try {
    expected = def.outputs(input);
  } catch (err) {
    scope.problems.push(`${where}: arguments rejected by the type rule: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  op.outputs.forEach((out, i) => {
    const want = expected[i];
    if (want && !compatible(out.type, want)) {
      scope.problems.push(`${where}: output "${out.name}" is declared ${printType(out.type)} but the op gives ${printType(want)}`);
    }
  });
}

/** Same dtype and rank, and equal sizes wherever both sides know them. */
function compatible(declared: MilTensorType, computed: MilTensorType): boolean {
  if (declared.dtype !== computed.dtype || declared.shape.length !== computed.shape.length) return false;
  return declared.shape.every((d, i) => d === null || computed.shape[i] === null || d === computed.shape[i]);
}

/** Const values may exceed rank 5 only when every reader is a constexpr op (they never exist at run time). */
function checkConstRanks(scope: FunctionScope): void {
  for (const [name, producer] of scope.producers) {
    if (!producer || !isConstLikeOp(producer)) continue;
    const rank = producer.outputs[0]?.type.shape.length ?? 0;
    if (rank <= MAX_RANK) continue;
    const readers = scope.readers.get(name) ?? [];
    if (readers.some((r) => !r.type.startsWith('constexpr_'))) {
      scope.problems.push(`${scope.fn}: constant "${name}" has rank ${rank} and feeds a non-constexpr op; Core ML allows at most ${MAX_RANK}`);
    }
  }
}
