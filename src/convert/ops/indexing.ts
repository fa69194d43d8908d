import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrInt, attrTensor, type OnnxNode } from '../../onnx/ir.js';
import { isDynamic, normalizeAxis, resolveSliceRange, sliceParams, type SliceParams } from '../../onnx/shapes/params.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import { nonNegativeIndices } from './scatter-gather.js';
import { convertDynamicSlice } from './slice-dynamic.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { clampToInt32, constantInts, constantsOf, isFullyStatic } from '../values.js';

/** ONNX → MIL converters for indexing: Slice, Gather, Expand, Tile, ConstantOfShape, Range. */

interface SliceArgs {
  begin: number[];
  end: number[];
  stride: number[];
  beginMask: boolean[];
  endMask: boolean[];
}

/**
 * Per-dim slice_by_index arguments. Static dims are resolved exactly (so the
 * output shape is known); unknown dims keep ONNX's clamping, which equals
 * Python's, with INT_MAX-style sentinels turned into masks.
 */
function sliceArgs(dims: readonly (number | null)[], p: SliceParams): SliceArgs {
  const rank = dims.length;
  const a: SliceArgs = {
    begin: new Array<number>(rank).fill(0),
    end: new Array<number>(rank).fill(0),
    stride: new Array<number>(rank).fill(1),
    beginMask: new Array<boolean>(rank).fill(true),
    endMask: new Array<boolean>(rank).fill(true),
  };
  p.axes.forEach((axis, j) => {
    const [start, end, step] = [p.starts[j]!, p.ends[j]!, p.steps[j]!];
    const dim = dims[axis];
    a.stride[axis] = step;
    if (typeof dim === 'number') {
      const r = resolveSliceRange(dim, start, end, step);
      const stop = r.start + r.count * step;
      a.begin[axis] = r.start;
      a.beginMask[axis] = false;
      // A negative stop means "through index 0" for negative steps: Python reads -1 as the last element, so mask it.
      a.end[axis] = stop < 0 ? 0 : stop;
      a.endMask[axis] = stop < 0;
      return;
    }
    const past = step > 0 ? end >= 2 ** 31 - 1 : end <= -(2 ** 31);
    a.begin[axis] = clampToInt32(start);
    a.beginMask[axis] = false;
    a.end[axis] = past ? 0 : clampToInt32(end);
    a.endMask[axis] = past;
  });
  return a;
}

const slice: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['slice_by_index', 'gather', 'range_1d', 'scatter', 'shape', 'less', 'greater', 'add', 'sub', 'select', 'maximum', 'minimum', 'reshape'],
  limits: 'run-time bounds need static vector lengths; run-time or negative steps gather each sliced axis',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const params = sliceParams(node, ctx.opset, constantsOf(ctx, node), dims.length);
    if (isDynamic(params)) return convertDynamicSlice(node, ctx);
    const p = params;
    const a = sliceArgs(dims, p);
    const bools = (v: boolean[]): Tensor => makeTensor('bool', [v.length], Uint8Array.from(v, (b) => (b ? 1 : 0)));
    const out = ctx.b.op1(
      'slice_by_index',
      {
        x,
        begin: milConst.ints(a.begin),
        end: milConst.ints(a.end),
        stride: milConst.ints(a.stride),
        begin_mask: bools(a.beginMask),
        end_mask: bools(a.endMask),
      },
      { name: node.outputs[0] },
    );
    ctx.setOutput(node, 0, out);
  },
};

const gather: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['gather', 'squeeze', 'greater_equal', 'add', 'select'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
    // iOS15/16 gather reads negative run-time indices itself; from iOS17 they are out of bounds.
    const guard = ctx.constant(node, 1) !== undefined || targetRank(ctx.target) >= targetRank('iOS17');
    let indices = guard ? nonNegativeIndices(node, ctx, 1, x, [axis], false) : ctx.requireInput(node, 1);
    const scalar = ctx.b.typeOf(indices).shape.length === 0;
    // A scalar index drops the axis: gather one slice with a [1] index, then squeeze it away.
    if (scalar) indices = ctx.b.op1('expand_dims', { x: indices, axes: milConst.ints([0]) }, { name: `${node.outputs[0]}_index` });
    const gathered = ctx.b.op1('gather', { x, indices, axis: milConst.int(axis) }, { name: scalar ? `${node.outputs[0]}_gathered` : node.outputs[0] });
    ctx.setOutput(node, 0, scalar ? ctx.b.op1('squeeze', { x: gathered, axes: milConst.ints([axis]) }, { name: node.outputs[0] }) : gathered);
  },
};

/**
 * x + zeros(shape) broadcasts exactly like Expand; bool tensors take the
 * detour through int32 (MIL add has no bool domain).
 */
function expandByBroadcast(node: OnnxNode, ctx: ConvertContext, x: string, shape: string | Tensor): string {
  const b = ctx.b;
  const name = node.outputs[0]!;
  const isBool = b.typeOf(x).dtype === 'bool';
  const source = isBool ? b.op1('cast', { x, dtype: milConst.str('int32') }, { name: `${name}_int` }) : x;
  const zeros = b.op1('fill', { shape, value: scalarOf(b.typeOf(source).dtype, 0) }, { name: `${name}_zeros` });
  const sum = b.op1('add', { x: source, y: zeros }, { name: isBool ? `${name}_sum` : name });
  return isBool ? b.op1('cast', { x: sum, dtype: milConst.str('bool') }, { name }) : sum;
}

/** Tile repetitions for a static target, or undefined when a dim of unknown size would need them. */
function expandReps(node: OnnxNode, ctx: ConvertContext, dims: readonly (number | null)[], target: number[]): number[] | undefined {
  const offset = dims.length - target.length;
  const reps: number[] = [];
  for (const [i, d] of dims.entries()) {
    const want = i < offset ? 1 : target[i - offset]!;
    if (d === null && want > 1) return undefined;
    if (d !== 1 && d !== null && want !== 1 && want !== d) return ctx.unsupported(node, `cannot expand dim ${i} of size ${d} to ${want}`);
    reps.push(d === 1 ? Math.max(want, 1) : 1);
  }
  return reps;
}

const expand: OpConverter = {
  opsets: [8, LATEST_ONNX_OPSET],
  milOps: ['expand_dims', 'tile', 'fill', 'add', 'cast'],
  convert(node, ctx) {
    let x = ctx.requireInput(node, 0);
    const target = constantInts(ctx, node, 1);
    if (!target) return ctx.setOutput(node, 0, expandByBroadcast(node, ctx, x, ctx.requireInput(node, 1)));
    if (target.includes(0)) return ctx.unsupported(node, 'a 0 in the target shape makes an empty tensor (Core ML has none)');
    let dims = ctx.b.typeOf(x).shape;
    if (target.length > dims.length) {
      const extra = Array.from({ length: target.length - dims.length }, (_, i) => i);
      x = ctx.b.op1('expand_dims', { x, axes: milConst.ints(extra) }, { name: `${node.outputs[0]}_ranked` });
      dims = ctx.b.typeOf(x).shape;
    }
    const reps = expandReps(node, ctx, dims, target);
    // A target of 1 against an unknown dim keeps that dim: broadcasting against the target does it.
    if (!reps) return ctx.setOutput(node, 0, expandByBroadcast(node, ctx, x, milConst.ints(target)));
    if (reps.every((r) => r === 1)) return ctx.setOutput(node, 0, x);
    ctx.setOutput(node, 0, ctx.b.op1('tile', { x, reps: milConst.ints(reps) }, { name: node.outputs[0] }));
  },
};

function scalarOf(dtype: string, v: number): Tensor {
  if (dtype === 'int32') return milConst.int(v);
  return milConst.float(v, dtype === 'float16' ? 'float16' : 'float32');
}

const tile: OpConverter = {
  opsets: [6, LATEST_ONNX_OPSET],
  milOps: ['tile'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const reps = constantInts(ctx, node, 1);
    const repsValue = reps ? milConst.ints(reps) : ctx.requireInput(node, 1);
    ctx.setOutput(node, 0, ctx.b.op1('tile', { x, reps: repsValue }, { name: node.outputs[0] }));
  },
};

const constantOfShape: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['fill'],
  limits: 'constant shapes fold to constants; run-time shapes use fill',
  convert(node, ctx) {
    const value = narrowConstant(attrTensor(node, 'value') ?? makeTensor('float32', [1], new Float32Array([0])), `${node.name}.value`);
    const scalar = makeTensor(value.dtype, [], value.data);
    const shapeArg = constantInts(ctx, node, 0);
    if (shapeArg && isFullyStatic(shapeArg)) {
      return ctx.setOutput(node, 0, ctx.b.op1('fill', { shape: milConst.ints(shapeArg), value: scalar }, { name: node.outputs[0] }));
    }
    ctx.setOutput(node, 0, ctx.b.op1('fill', { shape: ctx.requireInput(node, 0), value: scalar }, { name: node.outputs[0] }));
  },
};

const range: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['range_1d'],
  convert(node, ctx) {
    const [start, end, step] = [0, 1, 2].map((i) => ctx.requireInput(node, i));
    ctx.setOutput(node, 0, ctx.b.op1('range_1d', { end: end!, start: start!, step: step! }, { name: node.outputs[0] }));
  },
};

export const indexingConverters: ConverterTable = {
  Slice: slice,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  ConstantOfShape: constantOfShape,
  Range: range,
};
