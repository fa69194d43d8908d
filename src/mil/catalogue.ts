import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { mergeFamilyTables } from '../tables.js';
import { targetRank, type DeploymentTarget, type MilTensorType } from './ir.js';
import { MIL_OP_FAMILIES } from './ops/index.js';

/**
 * The MIL op catalogue: for every op this project emits, per opset, its
 * parameters, which must be compile-time constants, the allowed dtypes, and
 * the rule that gives its output types. Definitions live in `mil/ops/<family>.ts`
 * and are listed in `mil/ops/index.ts`; the builder validates every op it
 * creates against them, so a wrong parameter fails at conversion time, not on
 * a user's device.
 */

export interface MilParamDef {
  /** A type-domain name declared in `typeDomains` (e.g. 'T'), or a fixed dtype list. */
  type: string | readonly DType[];
  optional?: boolean;
  /** Must be bound to the output of a const or constexpr op. */
  const?: boolean;
  /** A tuple parameter taking several bindings (concat.values). */
  variadic?: boolean;
}

/** What a type rule can see of an operation's arguments. */
export interface TypeRuleInput {
  /** Type of a single-valued parameter, undefined when omitted. */
  type(param: string): MilTensorType | undefined;
  /** Types of a variadic parameter, in order. */
  types(param: string): MilTensorType[];
  /** Value of a parameter bound to a constant, undefined otherwise. */
  value(param: string): Tensor | undefined;
  /** Values of a variadic parameter's bindings, in order, undefined where one is not a constant. */
  values(param: string): (Tensor | undefined)[];
  /** Number of outputs requested by the caller (ops such as split need it). */
  readonly numOutputs: number;
  readonly target: DeploymentTarget;
  /** Types of the nested blocks' inputs and outputs (cond, while_loop); empty for ordinary ops. */
  readonly blocks?: readonly { inputs: MilTensorType[]; outputs: MilTensorType[] }[];
}

export interface MilOpDef {
  name: string;
  /** First deployment target whose opset has this definition. */
  since: DeploymentTarget;
  inputs: Readonly<Record<string, MilParamDef>>;
  typeDomains?: Readonly<Record<string, readonly DType[]>>;
  /** Output types, from the argument types (and constant values where shape depends on them). */
  outputs: (input: TypeRuleInput) => MilTensorType[];
  /** iOS16/iOS17 constexpr ops store their parameters as attributes rather than inputs. */
  paramsAsAttributes?: boolean;
}

/** Op name → its definitions, oldest deployment target first. */
const definitions = definitionsByName(MIL_OP_FAMILIES);

/**
 * Groups the definition list by op name. An op defined by two families, or
 * twice for one deployment target, throws when the module loads.
 */
function definitionsByName(families: Readonly<Record<string, readonly MilOpDef[]>>): ReadonlyMap<string, readonly MilOpDef[]> {
  const grouped: Record<string, Record<string, MilOpDef[]>> = {};
  for (const [family, defs] of Object.entries(families)) {
    const byName: Record<string, MilOpDef[]> = (grouped[family] = Object.create(null) as Record<string, MilOpDef[]>);
    for (const def of defs) {
      const list = (byName[def.name] ??= []);
      if (list.some((d) => d.since === def.since)) throw new Error(`MIL op ${def.name} defined twice for ${def.since}`);
      list.push(def);
    }
  }
  const merged = mergeFamilyTables('MIL op', grouped);
  return new Map(Object.entries(merged).map(([name, list]) => [name, [...list].sort((a, b) => targetRank(a.since) - targetRank(b.since))]));
}

/** Names of every op in the catalogue. */
export function milOpNames(): string[] {
  return [...definitions.keys()].sort();
}

/** The definition in force for `target`, or undefined when the op does not exist there. */
export function lookupMilOp(name: string, target: DeploymentTarget): MilOpDef | undefined {
  const list = definitions.get(name);
  if (!list) return undefined;
  let found: MilOpDef | undefined;
  for (const def of list) if (targetRank(def.since) <= targetRank(target)) found = def;
  return found;
}

