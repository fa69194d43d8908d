import type { ArrayDType, ArrayFeature, FeatureDescription } from '../coreml/model.js';
import { ConversionError } from '../errors.js';
import { milConst, type MilBuilder } from '../mil/builder.js';
import { milDTypeName } from '../mil/ops/misc.js';
import { targetRank, type MilTensorType } from '../mil/ir.js';
import type { OnnxDim, OnnxValueInfo } from '../onnx/ir.js';
import type { DType } from '../tensor/dtype.js';
import type { InputDeclaration } from './input-shapes.js';
import { milDTypeFor } from './narrow.js';

/**
 * The model's edges: how ONNX inputs and outputs become Core ML multiarray
 * features. ML programs take fp32 and int32 at their I/O (fp16 from iOS16),
 * so int64 becomes int32, float64 fp32, and bool travels as int32 with a cast
 * inside. Scalars are described as [1] (what Core ML expects), reshaped inside.
 */

/** Upper bound declared for a symbolic input dimension: ML programs reject unbounded ranges. */
export const SYMBOLIC_DIM_UPPER_BOUND = 1024;
export const MAX_RANK = 5;

const IO_DTYPE_OF: Readonly<Partial<Record<DType, ArrayDType>>> = {
  float32: 'float32',
  int32: 'int32',
  bool: 'int32',
};

/** The I/O dtype for a MIL value dtype (after int64/float64 narrowing). */
function ioDTypeFor(milDType: DType, iOS16OrLater: boolean): ArrayDType | undefined {
  if (milDType === 'float16') return iOS16OrLater ? 'float16' : undefined;
  return IO_DTYPE_OF[milDType];
}

export interface EdgeContext {
  b: MilBuilder;
  file: string | undefined;
  warnings: string[];
}

function fail(ctx: EdgeContext, message: string): never {
  throw new ConversionError(message, [], ctx.file === undefined ? {} : { file: ctx.file });
}

/** Checks a model input or output type and returns its MIL dtype and I/O dtype. */
function edgeTypes(ctx: EdgeContext, info: OnnxValueInfo, role: 'input' | 'output'): { mil: DType; io: ArrayDType } {
  if (info.kind !== undefined && info.kind !== 'tensor') {
    fail(ctx, `model ${role} "${info.name}" is a ${info.typeName ?? info.kind}; Core ML models take and return tensors only`);
  }
  if (info.dtype === undefined) fail(ctx, `model ${role} "${info.name}" has no element type`);
  const mil = milDTypeFor(info.dtype);
  const io = mil === undefined ? undefined : ioDTypeFor(mil, targetRank(ctx.b.target) >= targetRank('iOS16'));
  if (mil === undefined || io === undefined) {
    fail(ctx, `model ${role} "${info.name}" has type ${info.dtype}, which a Core ML ${ctx.b.target} model cannot take as ${role}`);
  }
  if (info.shape === undefined) fail(ctx, `model ${role} "${info.name}" has no shape; Core ML needs the rank of every ${role}`);
  if (info.shape.length > MAX_RANK) fail(ctx, `model ${role} "${info.name}" has rank ${info.shape.length}; Core ML supports rank ≤ ${MAX_RANK}`);
  return { mil, io };
}

/**
 * Declares one model input on the builder and returns the MIL value the graph
 * should read (after the scalar reshape and the bool cast, when needed).
 */
export function declareInput(ctx: EdgeContext, info: OnnxValueInfo, declared?: InputDeclaration): { value: string; feature: FeatureDescription<ArrayFeature> } {
  const { mil, io } = edgeTypes(ctx, info, 'input');
  const dims = info.shape!;
  const scalar = dims.length === 0;
  const feature = declared && !scalar ? declaredFeature(info.name, declared, io) : inputFeature(ctx, info.name, scalar ? [1] : dims, io);
  const milShape: (number | null)[] = scalar ? [1] : dims.map((d) => (typeof d === 'number' ? d : null));
  const name = ctx.b.addInput(info.name, { dtype: io, shape: milShape });
  let value = name;
  if (scalar) value = ctx.b.op1('squeeze', { x: value, axes: milConst.ints([0]) }, { name: `${info.name}_scalar` });
  if (mil !== io) value = ctx.b.op1('cast', { x: value, dtype: milConst.str(milDTypeName(mil)) }, { name: `${info.name}_${milDTypeName(mil)}` });
  return { value, feature: { name, type: feature.type } };
}

/** The description of an input whose flexibility the user declared (a range or enumerated shapes). */
function declaredFeature(name: string, declared: InputDeclaration, dtype: ArrayDType): FeatureDescription<ArrayFeature> {
  const type: ArrayFeature = { kind: 'multiArray', dtype, shape: [...declared.shape] };
  if (declared.shapeRange) type.shapeRange = declared.shapeRange.map(([lo, hi]): [number, number] => [lo, hi]);
  if (declared.enumeratedShapes) type.enumeratedShapes = declared.enumeratedShapes.map((s) => [...s]);
  return { name, type };
}

function inputFeature(ctx: EdgeContext, name: string, dims: readonly OnnxDim[], dtype: ArrayDType): FeatureDescription<ArrayFeature> {
  const symbolic = dims.flatMap((d, i) => (typeof d === 'number' ? [] : [i]));
  const type: ArrayFeature = { kind: 'multiArray', dtype, shape: dims.map((d) => (typeof d === 'number' ? d : 1)) };
  if (symbolic.length > 0) {
    type.shapeRange = dims.map((d) => (typeof d === 'number' ? [d, d] : [1, SYMBOLIC_DIM_UPPER_BOUND]));
    const described = symbolic.map((i) => `${i} (${String(dims[i] ?? '?')})`).join(', ');
    ctx.warnings.push(
      `input "${name}": dimension ${described} is symbolic; declared as a range 1..${SYMBOLIC_DIM_UPPER_BOUND} with default 1. ` +
        'Shapes that depend on it stay dynamic in the program; freeze or fix the dimension for a fully static model.',
    );
  }
  return { name, type };
}

/**
 * Makes the MIL value that a model output returns: scalars become [1],
 * bool becomes int32. Returns the value and the dtype the output will have.
 */
export function prepareOutput(ctx: EdgeContext, info: OnnxValueInfo, value: string): string {
  const t = ctx.b.typeOf(value);
  if (t.shape.length > MAX_RANK) fail(ctx, `model output "${info.name}" has rank ${t.shape.length}; Core ML supports rank ≤ ${MAX_RANK}`);
  let v = value;
  if (t.dtype === 'bool') v = ctx.b.op1('cast', { x: v, dtype: milConst.str('int32') }, { name: `${info.name}_int32` });
  else if (t.dtype === 'float16' && targetRank(ctx.b.target) < targetRank('iOS16')) {
    v = ctx.b.op1('cast', { x: v, dtype: milConst.str('fp32') }, { name: `${info.name}_fp32` });
  } else if (ioDTypeFor(t.dtype, true) === undefined) {
    fail(ctx, `model output "${info.name}" has type ${t.dtype}, which a Core ML model cannot return`);
  }
  if (t.shape.length === 0) v = ctx.b.op1('expand_dims', { x: v, axes: milConst.ints([0]) }, { name: `${info.name}_1d` });
  return v;
}

/** The feature description of a finished output var: static shapes are declared, dynamic ones left empty. */
export function outputFeature(name: string, type: MilTensorType): FeatureDescription<ArrayFeature> {
  const dtype = type.dtype as ArrayDType;
  const shape = type.shape.every((d): d is number => d !== null) ? type.shape : [];
  return { name, type: { kind: 'multiArray', dtype, shape: [...shape] } };
}
