import { FLOAT16_MAX, FLOAT16_MIN_NORMAL, FLOAT16_MIN_SUBNORMAL, float32BitsToFloat16Bits, float32ToFloat16Bits } from '../../tensor/fp16.js';
import { releaseOnDemand } from '../../tensor/on-demand.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { lookupMilOp, type MilOpDef, type MilParamDef, type TypeRuleInput } from '../catalogue.js';
import {
  targetForOpset,
  targetRank,
  type DeploymentTarget,
  type MilBinding,
  type MilBlock,
  type MilFunction,
  type MilOperation,
  type MilProgram,
  type MilOpSource,
  type MilTensorType,
} from '../ir.js';
import { NameAllocator } from '../sanitize.js';
import { constOp, countUses, isConstLikeOp } from './uses.js';

/**
 * fp16 compute precision, the way coremltools' FP16ComputePrecision pass
 * leaves a program: fp32 model inputs are cast to fp16 once each, fp32
 * constants are stored as fp16, every op computes in fp16, and each fp32
 * model output is cast back to fp32 by a cast whose output carries the
 * output's name. Model I/O stays fp32. Parameters whose type domain has no
 * fp16 (and, from iOS17, the activation alphas/betas and epsilons coremltools
 * deliberately keeps) stay fp32; int and bool values are untouched.
 */

export interface Fp16Options {
  /**
   * What to do with an op whose fp32 constant fp16 cannot hold: a finite
   * value with 65504 < |v| < 1e38 (coremltools' overflow guard), or, in a
   * weight, more than 1% of the non-zero values below fp16's smallest normal
   * (where fp16 keeps only a few significant bits). Such an op stays fp32,
   * with casts around it, and a warning gives the counts.
   * - undefined (default): weights (≥ 400 elements) and per-channel affine
   *   parameters (normalization statistics, scales and shifts, biases) keep
   *   their op in fp32; other small constants (clip bounds, fill values,
   *   masks) saturate to ±65504 with a count.
   * - true: every such constant keeps its op in fp32, as coremltools does.
   * - false: nothing is kept in fp32; overflowing values saturate.
   */
  keepOverflowingOpsInFp32?: boolean;
  /**
   * Ops to leave in fp32 whatever they compute (mixed precision), named by
   * any of their outputs as the program had them before this pass. Their
   * inputs are cast back to fp32 and their fp32 results cast to fp16 for
   * the fp16 ops that read them.
   */
  keepInFp32?: ReadonlySet<string>;
}

/** Ops that are never rewritten: casts themselves, control flow, lists and state reads. */
const SKIPPED_OPS = new Set([
  'cast', 'while_loop', 'cond', 'make_list', 'list_gather', 'list_scatter', 'list_read', 'list_write', 'list_length',
  'read_state', 'write_state',
]);

/** From iOS17 these parameters may stay fp32 next to an fp16 `x`; coremltools keeps them fp32 for accuracy. */
const KEPT_FP32_FROM_IOS17: Readonly<Record<string, readonly string[]>> = {
  elu: ['alpha'], leaky_relu: ['alpha'], prelu: ['alpha'], thresholded_relu: ['alpha'],
  clamped_relu: ['alpha', 'beta'], linear_activation: ['alpha', 'beta'], scaled_tanh: ['alpha', 'beta'],
  sigmoid_hard: ['alpha', 'beta'], softplus_parametric: ['alpha', 'beta'],
  inverse: ['epsilon'], log: ['epsilon'], rsqrt: ['epsilon'],
};

/**
 * Parameters that scale or shift every value of a channel. Saturating one is
 * not a harmless clamp, as it is for a bound or a mask: a running variance of
 * 7e5 read as 65504 multiplies its channel by 3.3. An overflow in them keeps
 * the op in fp32 however small the array.
 */
const AFFINE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  batch_norm: ['mean', 'variance', 'gamma', 'beta'],
  instance_norm: ['gamma', 'beta'],
  layer_norm: ['gamma', 'beta'],
  conv: ['bias'],
  conv_transpose: ['bias'],
  linear: ['bias'],
  prelu: ['alpha'],
};

/** Arrays shorter than this get underflow protection (tiny non-zero values keep their sign and non-zeroness). */
const UNDERFLOW_GUARD_LIMIT = 400;
/** coremltools treats |v| >= 1e38 as "meant to be infinite" (masks from finfo.min): it never blocks the cast. */
const INFINITY_LIKE = 1e38;
/** Share of a weight's non-zero values allowed below the smallest fp16 normal before its op stays fp32. */
const MAX_SUBNORMAL_SHARE = 0.01;

export function applyFp16ComputePrecision(program: MilProgram, options: Fp16Options = {}): { warnings: string[] } {
  const warnings: string[] = [];
  for (const [name, fn] of Object.entries(program.functions)) {
    const target = targetForOpset(fn.opset);
    if (!target) {
      warnings.push(`function ${name}: unknown opset ${fn.opset}; left in fp32`);
      continue;
    }
    new FunctionRewriter(fn, target, options, warnings).run();
  }
  return { warnings };
}

/** Per-scope caches: the fp16 / fp32 versions of an original fp32 value available in this block. */
interface Scope {
  fp16: Map<string, string>;
  fp32: Map<string, string>;
  out: MilOperation[];
  isTop: boolean;
}

class FunctionRewriter {
  private readonly names = new NameAllocator();
  private readonly types = new Map<string, MilTensorType>();
  private readonly constants = new Map<string, Tensor>();
  /** Original fp32 values whose producer now computes in fp16 (the fp32 name is free to reuse once). */
  private readonly converted = new Set<string>();
  private readonly freedNames = new Set<string>();
  private readonly functionOutputs: Set<string>;
  private readonly dtypeConsts = new Map<string, string>();
  private readonly prelude: MilOperation[] = [];
  private readonly copiedConsts = new Set<string>();
  /** Value name → the source of the op that produced it; a cast or fp16 copy of a value records its producer's source. */
  private readonly sources = new Map<string, MilOpSource>();

  constructor(
    private readonly fn: MilFunction,
    private readonly target: DeploymentTarget,
    private readonly options: Fp16Options,
    private readonly warnings: string[],
  ) {
    this.functionOutputs = new Set(fn.block.outputs);
    for (const v of fn.inputs) this.remember(v.name, v.type);
    this.indexBlock(fn.block);
  }

  run(): void {
    const top: Scope = { fp16: new Map(), fp32: new Map(), out: [], isTop: true };
    this.rewriteBlock(this.fn.block, top);
    this.fn.block.operations = [...this.prelude, ...this.fn.block.operations];
    this.dropUnreadConstCopies();
  }

  private remember(name: string, type: MilTensorType): void {
    this.names.allocate(name);
    this.types.set(name, type);
  }

  private indexBlock(block: MilBlock): void {
    for (const v of block.inputs) this.remember(v.name, v.type);
    for (const op of block.operations) {
      this.names.allocate(op.name);
      for (const o of op.outputs) this.remember(o.name, o.type);
      if (op.source) for (const o of op.outputs) this.sources.set(o.name, op.source);
      const val = op.type === 'const' ? op.attributes['val'] : undefined;
      if (val && op.outputs[0]) this.constants.set(op.outputs[0].name, val);
      for (const inner of op.blocks) this.indexBlock(inner);
    }
  }

  private rewriteBlock(block: MilBlock, scope: Scope): void {
    for (const op of block.operations) this.rewriteOp(op, scope);
    block.outputs = block.outputs.map((n) => (this.isFp32(n) ? this.asFp32(n, scope) : n));
    block.operations = scope.out;
  }

  private rewriteOp(op: MilOperation, scope: Scope): void {
    const def = lookupMilOp(op.type, this.target);
    if (!def || SKIPPED_OPS.has(op.type) || isConstLikeOp(op) || this.keptByRequest(op) || this.blockedByOverflow(op)) {
      this.keepInFp32(op, scope);
      return;
    }
    const plan = this.planInputs(op, def);
    let outTypes: MilTensorType[];
    try {
      outTypes = def.outputs(this.ruleInput(plan, op.outputs.length));
    } catch {
      this.keepInFp32(op, scope);
      return;
    }
    op.inputs = this.emitInputs(plan, scope);
    op.outputs = op.outputs.map((orig, i) => this.retypeOutput(op, orig.name, orig.type, outTypes[i] ?? orig.type, scope));
    scope.out.push(op);
  }

  /** An op left as it is: its fp32 reads must see fp32 values, casting back where the producer went fp16. */
  private keepInFp32(op: MilOperation, scope: Scope): void {
    for (const bindings of Object.values(op.inputs)) {
      for (let i = 0; i < bindings.length; i++) {
        const b = bindings[i]!;
        if (b.kind === 'name' && this.isFp32(b.name)) bindings[i] = { kind: 'name', name: this.asFp32(b.name, scope) };
      }
    }
    for (const inner of op.blocks) {
      this.rewriteBlock(inner, { fp16: new Map(scope.fp16), fp32: new Map(scope.fp32), out: [], isTop: false });
    }
    scope.out.push(op);
  }

  private keptByRequest(op: MilOperation): boolean {
    const kept = this.options.keepInFp32;
    return kept !== undefined && op.outputs.some((o) => kept.has(o.name));
  }

  private blockedByOverflow(op: MilOperation): boolean {
    const policy = this.options.keepOverflowingOpsInFp32;
    if (policy === false) return false;
    for (const [param, bindings] of Object.entries(op.inputs)) {
      for (const b of bindings) {
        const value = b.kind === 'value' ? b.value : this.constants.get(b.name);
        if (value?.dtype !== 'float32') continue;
        if (policy === undefined && value.data.length < UNDERFLOW_GUARD_LIMIT && !AFFINE_PARAMS[op.type]?.includes(param)) continue;
        const range = scanFp16Range(value.data as Float32Array);
        const subnormalHeavy = value.data.length >= UNDERFLOW_GUARD_LIMIT && range.belowNormal > MAX_SUBNORMAL_SHARE * range.nonZero;
        if (range.overflow === 0 && !subnormalHeavy) continue;
        const what = b.kind === 'name' ? `constant "${b.name}"` : `inline ${param}`;
        this.warnings.push(
          `${op.type} "${op.name}" kept in fp32: ${what} has ${range.overflow} value(s) beyond ±${FLOAT16_MAX} and ` +
            `${range.belowNormal} of ${range.nonZero} non-zero value(s) below fp16's smallest normal ${FLOAT16_MIN_NORMAL.toExponential(2)}`,
        );
        return true;
      }
    }
    return false;
  }

  private isFp32(name: string): boolean {
    return this.types.get(name)?.dtype === 'float32';
  }

  private allowsFp16(def: MilOpDef, param: string, spec: MilParamDef | undefined): boolean {
    if (!spec) return false;
    if (targetRank(this.target) >= targetRank('iOS17') && KEPT_FP32_FROM_IOS17[def.name]?.includes(param)) return false;
    const domain = typeof spec.type === 'string' ? def.typeDomains?.[spec.type] : spec.type;
    return domain === undefined || domain.includes('float16');
  }

  /** Decides, per binding, whether it reads the fp16 or the fp32 version; nothing is emitted yet. */
  private planInputs(op: MilOperation, def: MilOpDef): Record<string, PlannedBinding[]> {
    const plan: Record<string, PlannedBinding[]> = {};
    for (const [param, bindings] of Object.entries(op.inputs)) {
      const toFp16 = this.allowsFp16(def, param, def.inputs[param]);
      plan[param] = bindings.map((b) => {
        const dtype = b.kind === 'name' ? this.types.get(b.name)?.dtype : b.value.dtype;
        return { binding: b, toFp16: toFp16 && dtype === 'float32' };
      });
    }
    return plan;
  }

  private ruleInput(plan: Record<string, PlannedBinding[]>, numOutputs: number): TypeRuleInput {
    const typeOf = (p: PlannedBinding): MilTensorType | undefined => {
      const t = p.binding.kind === 'name' ? this.types.get(p.binding.name) : { dtype: p.binding.value.dtype, shape: [...p.binding.value.shape] };
      return t && p.toFp16 ? { dtype: 'float16', shape: t.shape } : t;
    };
    const valueOf = (p: PlannedBinding | undefined): Tensor | undefined => {
      if (!p) return undefined;
      const v = p.binding.kind === 'name' ? this.constants.get(p.binding.name) : p.binding.value;
      return v && p.toFp16 ? toFloat16Tensor(v).tensor : v;
    };
    return {
      type: (param) => (plan[param]?.[0] ? typeOf(plan[param][0]) : undefined),
      types: (param) => (plan[param] ?? []).map((p) => typeOf(p)!),
      value: (param) => valueOf(plan[param]?.[0]),
      values: (param) => (plan[param] ?? []).map(valueOf),
      numOutputs,
      target: this.target,
    };
  }

  private emitInputs(plan: Record<string, PlannedBinding[]>, scope: Scope): Record<string, MilBinding[]> {
    const inputs: Record<string, MilBinding[]> = {};
    for (const [param, planned] of Object.entries(plan)) {
      inputs[param] = planned.map(({ binding, toFp16 }) => {
        if (binding.kind === 'value') {
          return toFp16 ? { kind: 'value', value: this.convertConst(binding.value, `inline ${param}`) } : binding;
        }
        if (!this.isFp32(binding.name)) return binding;
        return { kind: 'name', name: toFp16 ? this.asFp16(binding.name, scope) : this.asFp32(binding.name, scope) };
      });
    }
    return inputs;
  }

  private retypeOutput(op: MilOperation, name: string, orig: MilTensorType, next: MilTensorType, scope: Scope) {
    if (orig.dtype !== 'float32' || next.dtype !== 'float16') return { name, type: orig };
    const renamed = this.names.allocate(`${name}_cast_fp16`);
    if (op.name === name) op.name = renamed;
    this.types.set(renamed, next);
    this.converted.add(name);
    this.freedNames.add(name);
    scope.fp16.set(name, renamed);
    return { name: renamed, type: next };
  }

  /** The fp16 version of an original fp32 value: a folded fp16 const, or one shared cast. */
  private asFp16(name: string, scope: Scope): string {
    const cached = scope.fp16.get(name);
    if (cached) return cached;
    const shape = this.types.get(name)!.shape;
    const value = this.constants.get(name);
    const out = this.names.allocate(`${name}_to_fp16`);
    if (value) {
      const half = this.convertConst(value, `const "${name}"`);
      scope.out.push(withSource(constOp(out, half), this.sources.get(name)));
      this.constants.set(out, half);
      this.copiedConsts.add(name);
    } else {
      scope.out.push(withSource(this.castOp(this.asFp32(name, scope), out, 'fp16'), this.sources.get(name)));
    }
    this.types.set(out, { dtype: 'float16', shape: [...shape] });
    scope.fp16.set(name, out);
    return out;
  }

  /** The fp32 version of an original fp32 value: itself, or a cast back from its fp16 producer. */
  private asFp32(name: string, scope: Scope): string {
    if (!this.converted.has(name)) return name;
    const cached = scope.fp32.get(name);
    if (cached) return cached;
    const reuse = this.freedNames.has(name) && (scope.isTop || !this.functionOutputs.has(name));
    const out = reuse ? name : this.names.allocate(`${name}_to_fp32`);
    this.freedNames.delete(out);
    scope.out.push(withSource(this.castOp(scope.fp16.get(name)!, out, 'fp32'), this.sources.get(name)));
    this.types.set(out, { dtype: 'float32', shape: [...this.types.get(name)!.shape] });
    scope.fp32.set(name, out);
    return out;
  }

  private castOp(x: string, out: string, dtype: 'fp16' | 'fp32'): MilOperation {
    const type: MilTensorType = { dtype: dtype === 'fp16' ? 'float16' : 'float32', shape: [...this.types.get(x)!.shape] };
    return {
      type: 'cast',
      name: out,
      inputs: { x: [{ kind: 'name', name: x }], dtype: [{ kind: 'name', name: this.dtypeConst(dtype) }] },
      outputs: [{ name: out, type }],
      attributes: {},
      blocks: [],
    };
  }

  /** One string const per target dtype, placed at the top of the function so every block sees it. */
  private dtypeConst(dtype: 'fp16' | 'fp32'): string {
    let name = this.dtypeConsts.get(dtype);
    if (!name) {
      name = this.names.allocate(`cast_to_${dtype}_dtype`);
      this.prelude.push(constOp(name, makeTensor('string', [], [dtype])));
      this.dtypeConsts.set(dtype, name);
    }
    return name;
  }

  private convertConst(value: Tensor, label: string): Tensor {
    const { tensor, saturated } = toFloat16Tensor(value);
    // A weight made on demand (a transposed copy) is made again should its fp32 const still be written.
    releaseOnDemand(value);
    if (saturated > 0) this.warnings.push(`${label}: ${saturated} value(s) beyond the fp16 range saturated to ±${FLOAT16_MAX}`);
    return tensor;
  }

  /** Original fp32 consts that only fed ops now reading their fp16 copies. */
  private dropUnreadConstCopies(): void {
    const uses = countUses(this.fn.block);
    const prune = (block: MilBlock): void => {
      block.operations = block.operations.filter(
        (op) => !(op.type === 'const' && this.copiedConsts.has(op.outputs[0]!.name) && !uses.get(op.outputs[0]!.name)),
      );
      for (const op of block.operations) for (const inner of op.blocks) prune(inner);
    };
    prune(this.fn.block);
  }
}

interface PlannedBinding {
  binding: MilBinding;
  toFp16: boolean;
}

function withSource(op: MilOperation, source: MilOpSource | undefined): MilOperation {
  return source ? { ...op, source } : op;
}

/** Counts of a constant's values that fp16 cannot hold: finite overflows, and non-zero values below the smallest normal. */
function scanFp16Range(data: Float32Array): { overflow: number; belowNormal: number; nonZero: number } {
  let overflow = 0;
  let belowNormal = 0;
  let nonZero = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (a === 0) continue;
    nonZero++;
    if (a > FLOAT16_MAX && a < INFINITY_LIKE) overflow++;
    else if (a < FLOAT16_MIN_NORMAL) belowNormal++;
  }
  return { overflow, belowNormal, nonZero };
}

const POS_MAX_BITS = 0x7bff;
const NEG_MAX_BITS = 0xfbff;
const POS_TINY_BITS = float32ToFloat16Bits(FLOAT16_MIN_SUBNORMAL);
/** Exponent bits of a float32 (all set: Inf or NaN) and its sign bit. */
const F32_EXPONENT = 0x7f800000;
const F32_SIGN = 0x80000000;

/**
 * fp32 → fp16 for a constant: finite values that would round to ±Inf saturate
 * to ±65504 (counted), genuine ±Inf and NaN are kept, and in small arrays a
 * non-zero value that would flush to zero becomes the smallest subnormal of
 * its sign (so a tiny epsilon stays non-zero).
 */
export function toFloat16Tensor(value: Tensor): { tensor: Tensor; saturated: number } {
  if (value.dtype !== 'float32') return { tensor: value, saturated: 0 };
  const src = value.data as Float32Array;
  // The float32 bits, read as integers: sign, finiteness and zero are tests on them.
  const words = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  const guardUnderflow = src.length < UNDERFLOW_GUARD_LIMIT;
  let saturated = 0;
  for (let i = 0; i < words.length; i++) {
    const x = words[i]!;
    let bits = float32BitsToFloat16Bits(x);
    if ((bits & 0x7fff) === 0x7c00 && (x & F32_EXPONENT) !== F32_EXPONENT) {
      bits = x & F32_SIGN ? NEG_MAX_BITS : POS_MAX_BITS;
      saturated++;
    } else if (guardUnderflow && (bits & 0x7fff) === 0 && (x & ~F32_SIGN) !== 0) {
      bits = x & F32_SIGN ? POS_TINY_BITS | 0x8000 : POS_TINY_BITS;
    }
    out[i] = bits;
  }
  return { tensor: makeTensor('float16', value.shape, out), saturated };
}
