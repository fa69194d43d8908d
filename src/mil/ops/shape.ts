import type { DType } from '../../tensor/dtype.js';
import { toNumberList, type Tensor } from '../../tensor/tensor.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { DeploymentTarget, MilTensorType } from '../ir.js';
import { DOMAIN_FI, DOMAIN_FIB, MilShapeError, requiredType } from './elementwise.js';
import { DOMAIN_X17 } from './misc.js';

/**
 * MIL op definitions: shape manipulation and gather (coreml-format §7.3).
 * Output shapes are exact when the parameters they depend on are constants,
 * and unknown (null) dims otherwise.
 */

type Dim = number | null;
const INDEX_17: readonly DType[] = ['int8', 'int16', 'int32'];
const INT32: readonly DType[] = ['int32'];
const BOOL: readonly DType[] = ['bool'];

const req = (type: MilParamDef['type'], extra: Partial<MilParamDef> = {}): MilParamDef => ({ type, ...extra });
const constInt32 = (optional = false): MilParamDef => ({ type: INT32, const: true, optional });
const constBool: MilParamDef = { type: BOOL, const: true, optional: true };

function ints(input: TypeRuleInput, param: string): number[] | undefined {
  const v = input.value(param);
  return v ? toNumberList(v) : undefined;
}

function axisIn(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new MilShapeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function out(dtype: DType, shape: Dim[]): MilTensorType[] {
  return [{ dtype, shape }];
}

/** reshape: -1 inferred; 0 copies a dim (positionally when K == rank before iOS17, right-aligned from iOS17). */
function reshapeShape(x: MilTensorType, target: number[], iOS17: boolean): Dim[] {
  const rank = x.shape.length;
  const dims: Dim[] = target.map((d, i) => {
    if (d !== 0) return d;
    if (iOS17) return x.shape[rank - target.length + i] ?? 1;
    if (target.length !== rank) throw new MilShapeError('reshape: 0 in shape needs len(shape) == rank(x) before iOS17');
    return x.shape[i]!;
  });
  const inferAt = dims.indexOf(-1);
  if (inferAt < 0) return dims;
  const total = x.shape.reduce<Dim>((p, d) => (p === null || d === null ? null : p * d), 1);
  const known = dims.reduce<Dim>((p, d, i) => (i === inferAt ? p : p === null || d === null ? null : p * d), 1);
  dims[inferAt] = total === null || known === null || known === 0 ? null : total / known;
  return dims;
}

function reshapeDef(since: DeploymentTarget): MilOpDef {
  const iOS17 = since === 'iOS17';
  return {
    name: 'reshape',
    since,
    inputs: { x: req('T'), shape: req(iOS17 ? 'U' : INT32) },
    typeDomains: iOS17 ? { T: DOMAIN_X17, U: INDEX_17 } : { T: DOMAIN_FIB },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const target = ints(input, 'shape');
      if (target) return out(x.dtype, reshapeShape(x, target, iOS17));
      const k = requiredType(input, 'shape').shape[0];
      if (k === null || k === undefined) throw new MilShapeError('reshape: the length of a dynamic shape must be known');
      return out(x.dtype, new Array<Dim>(k).fill(null));
    },
  };
}

function expandDimsDef(since: DeploymentTarget): MilOpDef {
  return {
    name: 'expand_dims',
    since,
    inputs: { x: req('T'), axes: constInt32() },
    typeDomains: { T: since === 'iOS17' ? DOMAIN_X17 : DOMAIN_FIB },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const axes = ints(input, 'axes')!;
      const rank = x.shape.length + axes.length;
      const inserted = new Set(axes.map((a) => axisIn(a, rank, 'expand_dims')));
      const shape: Dim[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(inserted.has(i) ? 1 : x.shape[k++]!);
      return out(x.dtype, shape);
    },
  };
}

function squeezeDef(since: DeploymentTarget): MilOpDef {
  return {
    name: 'squeeze',
    since,
    inputs: { x: req('T'), axes: constInt32(true) },
    typeDomains: { T: since === 'iOS17' ? DOMAIN_X17 : DOMAIN_FIB },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const axes = ints(input, 'axes');
      if (!axes && x.shape.some((d) => d === null)) throw new MilShapeError('squeeze without axes needs a static shape');
      const drop = new Set(axes ? axes.map((a) => axisIn(a, x.shape.length, 'squeeze')) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
      return out(x.dtype, x.shape.filter((d, i) => !drop.has(i) || (d !== null && d !== 1)));
    },
  };
}

function transposeDef(since: DeploymentTarget): MilOpDef {
  return {
    name: 'transpose',
    since,
    inputs: { x: req('T'), perm: constInt32() },
    typeDomains: { T: since === 'iOS17' ? DOMAIN_X17 : DOMAIN_FIB },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const perm = ints(input, 'perm')!;
      if (perm.length !== x.shape.length) throw new MilShapeError(`transpose: perm has ${perm.length} entries for rank ${x.shape.length}`);
      return out(x.dtype, perm.map((p) => x.shape[axisIn(p, x.shape.length, 'transpose')]!));
    },
  };
}

function sliceIndexDef(since: DeploymentTarget): MilOpDef {
  const iOS17 = since === 'iOS17';
  return {
    name: 'slice_by_index',
    since,
    inputs: {
      x: req('T'),
      begin: req(iOS17 ? 'U' : INT32),
      end: req(iOS17 ? 'U' : INT32),
      stride: req(iOS17 ? 'U' : INT32, { optional: true }),
      begin_mask: constBool,
      end_mask: constBool,
      squeeze_mask: constBool,
    },
    typeDomains: iOS17 ? { T: DOMAIN_X17, U: INDEX_17 } : { T: DOMAIN_FIB },
    outputs: sliceByIndexShape,
  };
}

function maskOf(input: TypeRuleInput, param: string, rank: number): boolean[] {
  const v = ints(input, param);
  return v ? v.map((b) => b !== 0) : new Array<boolean>(rank).fill(false);
}

/** slice_by_index's output: x sliced by begin, end, stride and the masks; unknown dims where they are not constants. */
export function sliceByIndexShape(input: TypeRuleInput): MilTensorType[] {
  const x = requiredType(input, 'x');
  const rank = x.shape.length;
  const [begin, end] = [ints(input, 'begin'), ints(input, 'end')];
  const stride = input.type('stride') ? ints(input, 'stride') : new Array<number>(rank).fill(1);
  const [bm, em, sm] = ['begin_mask', 'end_mask', 'squeeze_mask'].map((p) => maskOf(input, p, rank));
  const shape: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    if (sm![i]) continue;
    const dim = x.shape[i]!;
    if (dim === null || !stride || (!bm![i] && !begin) || (!em![i] && !end)) {
      shape.push(null);
      continue;
    }
    shape.push(sliceLength(dim, bm![i] ? undefined : begin![i]!, em![i] ? undefined : end![i]!, stride[i]!));
  }
  return out(x.dtype, shape);
}

/** Python slice length of dim[begin:end:stride] (undefined = open end), like NumPy. */
export function sliceLength(dim: number, begin: number | undefined, end: number | undefined, stride: number): number {
  if (stride === 0) throw new MilShapeError('slice stride is 0');
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
  const b = begin === undefined ? (stride > 0 ? 0 : dim - 1) : clamp(begin, stride > 0 ? 0 : -1, stride > 0 ? dim : dim - 1);
  const e = end === undefined ? (stride > 0 ? dim : -1) : clamp(end, stride > 0 ? 0 : -1, stride > 0 ? dim : dim - 1);
  return Math.max(0, Math.ceil((e - b) / stride));
}

function sliceSizeDef(since: DeploymentTarget): MilOpDef {
  const iOS17 = since === 'iOS17';
  return {
    name: 'slice_by_size',
    since,
    inputs: { x: req('T'), begin: req(iOS17 ? 'U' : INT32), size: req(iOS17 ? 'U' : INT32) },
    typeDomains: iOS17 ? { T: DOMAIN_X17, U: INDEX_17 } : { T: DOMAIN_FIB },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const [begin, size] = [ints(input, 'begin'), ints(input, 'size')];
      return out(x.dtype, x.shape.map((d, i) => {
        if (!size) return null;
        if (size[i] !== -1) return size[i]!;
        return d === null || !begin ? null : d - (begin[i]! < 0 ? begin[i]! + d : begin[i]!);
      }));
    },
  };
}

function variadicJoin(name: 'concat' | 'stack'): MilOpDef {
  const inputs: Record<string, MilParamDef> = { values: req('T', { variadic: true }), axis: constInt32() };
  if (name === 'concat') inputs['interleave'] = constBool;
  return {
    name,
    since: 'iOS15',
    inputs,
    typeDomains: { T: DOMAIN_FIB },
    outputs: (input) => {
      const values = input.types('values');
      const first = values[0];
      if (!first) throw new MilShapeError(`${name} needs at least one value`);
      const axisValue = ints(input, 'axis')![0]!;
      if (values.some((v) => v.shape.length !== first.shape.length)) throw new MilShapeError(`${name}: values differ in rank`);
      if (name === 'stack') {
        const a = axisIn(axisValue, first.shape.length + 1, name);
        return out(first.dtype, [...first.shape.slice(0, a), values.length, ...first.shape.slice(a)]);
      }
      const a = axisIn(axisValue, first.shape.length, name);
      const shape = [...first.shape];
      shape[a] = values.reduce<Dim>((s, v) => (s === null || v.shape[a] === null ? null : s + v.shape[a]!), 0);
      return out(first.dtype, shape);
    },
  };
}

const splitDef: MilOpDef = {
  name: 'split',
  since: 'iOS15',
  inputs: { x: req('T'), num_splits: constInt32(true), split_sizes: constInt32(true), axis: constInt32() },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    const a = axisIn(ints(input, 'axis')![0]!, x.shape.length, 'split');
    const sizes = ints(input, 'split_sizes');
    const num = sizes?.length ?? ints(input, 'num_splits')?.[0];
    if (num === undefined) throw new MilShapeError('split needs num_splits or split_sizes');
    if (num !== input.numOutputs) throw new MilShapeError(`split makes ${num} outputs but ${input.numOutputs} were requested`);
    const dim = x.shape[a]!;
    const each = sizes ?? new Array<number>(num).fill(dim === null ? -1 : dim / num);
    return each.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? (s < 0 || !Number.isInteger(s) ? null : s) : d)) }));
  },
};

const tileDef: MilOpDef = {
  name: 'tile',
  since: 'iOS15',
  inputs: { x: req('T'), reps: req(INT32) },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    const reps = ints(input, 'reps');
    return out(x.dtype, x.shape.map((d, i) => (reps && d !== null ? d * reps[i]! : null)));
  },
};

const flatten2dDef: MilOpDef = {
  name: 'flatten2d',
  since: 'iOS15',
  inputs: { x: req('T'), axis: constInt32(true) },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    const rank = x.shape.length;
    const raw = ints(input, 'axis')?.[0] ?? 1;
    const a = raw < 0 ? raw + rank : raw;
    const prod = (dims: Dim[]): Dim => dims.reduce<Dim>((p, d) => (p === null || d === null ? null : p * d), 1);
    return out(x.dtype, [prod(x.shape.slice(0, a)), prod(x.shape.slice(a))]);
  },
};

const reverseDef: MilOpDef = {
  name: 'reverse',
  since: 'iOS15',
  inputs: { x: req('T'), axes: constInt32(true) },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    for (const a of ints(input, 'axes') ?? []) axisIn(a, x.shape.length, 'reverse');
    return out(x.dtype, [...x.shape]);
  },
};

const shapeDef: MilOpDef = {
  name: 'shape',
  since: 'iOS15',
  inputs: { x: req('T') },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => out('int32', [requiredType(input, 'x').shape.length]),
};

const rangeDef: MilOpDef = {
  name: 'range_1d',
  since: 'iOS15',
  inputs: { end: req('T'), start: req('T'), step: req('T') },
  typeDomains: { T: DOMAIN_FI },
  outputs: (input) => {
    const [end, start, step] = ['end', 'start', 'step'].map((p) => input.value(p));
    const dtype = requiredType(input, 'start').dtype;
    if (!end || !start || !step) return out(dtype, [null]);
    const [e, s, d] = [end, start, step].map((t: Tensor) => toNumberList(t)[0]!);
    return out(dtype, [Math.max(0, Math.ceil((e! - s!) / d!))]);
  },
};

/**
 * The dims an int32 `shape` parameter names (fill, the random ops): its values
 * when constant, else as many unknown dims as its length, which must be known
 * (a tensor of unknown rank has no type here).
 */
export function dimsFromShapeParam(input: TypeRuleInput, op: string, param = 'shape'): Dim[] {
  const shape = ints(input, param);
  if (shape) return shape;
  const k = requiredType(input, param).shape[0];
  if (k === null || k === undefined) throw new MilShapeError(`${op}: the length of a dynamic ${param} must be known`);
  return new Array<Dim>(k).fill(null);
}

const fillDef: MilOpDef = {
  name: 'fill',
  since: 'iOS15',
  inputs: { shape: req(INT32), value: req('T', { const: true, optional: true }) },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => out(input.type('value')?.dtype ?? 'float32', dimsFromShapeParam(input, 'fill')),
};

/** fill_like (iOS16): the shape of ref_tensor, filled with value (0.0 as fp32 by default). */
const fillLikeDef: MilOpDef = {
  name: 'fill_like',
  since: 'iOS16',
  inputs: { ref_tensor: req('T'), value: req('U', { const: true, optional: true }) },
  typeDomains: { T: DOMAIN_FIB, U: DOMAIN_FIB },
  outputs: (input) => out(input.type('value')?.dtype ?? 'float32', [...requiredType(input, 'ref_tensor').shape]),
};

/** The scalar constants of a variadic parameter (reshape_like's begins, ends and end_masks). */
function scalarTuple(input: TypeRuleInput, param: string, dtype: DType, count: number): number[] {
  const types = input.types(param);
  if (types.length !== count) throw new MilShapeError(`reshape_like: ${param} has ${types.length} entries for ${count} ref_tensors`);
  if (types.some((t) => t.dtype !== dtype || t.shape.length !== 0)) throw new MilShapeError(`reshape_like: ${param} must be ${dtype} scalars`);
  return input.values(param).map((v) => {
    if (!v) throw new MilShapeError(`reshape_like: ${param} must be constants`);
    return toNumberList(v)[0]!;
  });
}

/**
 * reshape_like (iOS16; iOS17 widens the dtypes): the output shape joins
 * ref_tensors[i].shape[begins[i]:ends[i]] (to the end when end_masks[i]), in
 * Python slice semantics; it must be fully known and hold as many elements as x.
 */
function reshapeLikeDef(since: 'iOS16' | 'iOS17'): MilOpDef {
  return {
    name: 'reshape_like',
    since,
    inputs: {
      x: req('T'),
      ref_tensors: req('R', { variadic: true }),
      begins: req(INT32, { variadic: true, const: true }),
      ends: req(INT32, { variadic: true, const: true }),
      end_masks: req(BOOL, { variadic: true, const: true }),
    },
    typeDomains: { T: since === 'iOS17' ? DOMAIN_X17 : DOMAIN_FIB },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const refs = input.types('ref_tensors');
      const begins = scalarTuple(input, 'begins', 'int32', refs.length);
      const ends = scalarTuple(input, 'ends', 'int32', refs.length);
      const endMasks = scalarTuple(input, 'end_masks', 'bool', refs.length);
      const shape = refs.flatMap((ref, i) => (endMasks[i] ? ref.shape.slice(begins[i]) : ref.shape.slice(begins[i], ends[i])));
      if (shape.some((d) => d === null)) throw new MilShapeError(`reshape_like: the output shape [${shape.map((d) => d ?? '?').join(', ')}] must be known`);
      const count = (dims: readonly Dim[]) => dims.reduce<Dim>((p, d) => (p === null || d === null ? null : p * d), 1);
      const [have, want] = [count(x.shape), count(shape)];
      if (have !== null && have !== want) throw new MilShapeError(`reshape_like: x has ${have} elements but the output shape [${shape.join(', ')}] holds ${want}`);
      return out(x.dtype, shape);
    },
  };
}

export const shapeOpDefs: readonly MilOpDef[] = [
  reshapeDef('iOS15'), reshapeDef('iOS17'),
  expandDimsDef('iOS15'), expandDimsDef('iOS17'),
  squeezeDef('iOS15'), squeezeDef('iOS17'),
  transposeDef('iOS15'), transposeDef('iOS17'),
  sliceIndexDef('iOS15'), sliceIndexDef('iOS17'),
  sliceSizeDef('iOS15'), sliceSizeDef('iOS17'),
  variadicJoin('concat'), variadicJoin('stack'),
  splitDef, tileDef, flatten2dDef, reverseDef, shapeDef, rangeDef, fillDef, fillLikeDef,
  reshapeLikeDef('iOS16'), reshapeLikeDef('iOS17'),
];
