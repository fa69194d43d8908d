import { milConst } from '../../mil/builder.js';
import { attrInt } from '../../onnx/ir.js';
import { normalizeAxis, reduceParams } from '../../onnx/shapes/params.js';
import type { ConverterTable, OpConverter } from '../types.js';
import { constantsOf, requireStatic } from '../values.js';

/** ONNX → MIL converters for reductions and ArgMax/ArgMin. */

const LATEST_OPSET = 22;

const MIL_REDUCTION: Readonly<Record<string, string>> = {
  ReduceSum: 'reduce_sum',
  ReduceMean: 'reduce_mean',
  ReduceMax: 'reduce_max',
  ReduceMin: 'reduce_min',
  ReduceProd: 'reduce_prod',
  ReduceL1: 'reduce_l1_norm',
  ReduceL2: 'reduce_l2_norm',
  ReduceLogSum: 'reduce_log_sum',
  ReduceLogSumExp: 'reduce_log_sum_exp',
  ReduceSumSquare: 'reduce_sum_square',
};

function reduction(milOp: string): OpConverter {
  return {
    opsets: [1, LATEST_OPSET],
    milOps: [milOp],
    limits: 'axes must be constant',
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      const t = ctx.b.typeOf(x);
      if (t.dtype === 'bool') return ctx.unsupported(node, 'reductions over bool tensors');
      const rank = t.shape.length;
      const p = requireStatic(ctx, node, reduceParams(node, ctx.opset, constantsOf(ctx, node), rank), 'axes');
      // noop_with_empty_axes: the input passes through unchanged.
      if (p.axes !== undefined && p.axes.length === 0) return ctx.setOutput(node, 0, x);
      const axes = p.axes ?? Array.from({ length: rank }, (_, i) => i);
      const out = ctx.b.op1(milOp, { x, axes: milConst.ints(axes), keep_dims: milConst.bool(p.keepdims) }, { name: node.outputs[0] });
      ctx.setOutput(node, 0, out);
    },
  };
}

/**
 * ArgMax/ArgMin. select_last_index=1 (ties resolve to the last index) is
 * computed as (n - 1) - arg(reverse(x)), which needs the axis size.
 */
function argReduction(milOp: 'reduce_argmax' | 'reduce_argmin'): OpConverter {
  return {
    opsets: [1, LATEST_OPSET],
    milOps: [milOp, 'reverse', 'sub'],
    limits: 'select_last_index=1 needs a static size along the axis',
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      const dims = ctx.b.typeOf(x).shape;
      const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
      const keep = milConst.bool(attrInt(node, 'keepdims', 1) !== 0);
      if (attrInt(node, 'select_last_index', 0) === 0) {
        return ctx.setOutput(node, 0, ctx.b.op1(milOp, { x, axis: milConst.int(axis), keep_dims: keep }, { name: node.outputs[0] }));
      }
      const n = dims[axis];
      if (n === null || n === undefined) return ctx.unsupported(node, 'select_last_index=1 along an axis of unknown size');
      const reversed = ctx.b.op1('reverse', { x, axes: milConst.ints([axis]) }, { name: `${node.outputs[0]}_reversed` });
      const fromEnd = ctx.b.op1(milOp, { x: reversed, axis: milConst.int(axis), keep_dims: keep }, { name: `${node.outputs[0]}_from_end` });
      ctx.setOutput(node, 0, ctx.b.op1('sub', { x: milConst.int(n - 1), y: fromEnd }, { name: node.outputs[0] }));
    },
  };
}

export const reduceConverters: ConverterTable = {
  ...Object.fromEntries(Object.entries(MIL_REDUCTION).map(([onnx, mil]) => [onnx, reduction(mil)])),
  ArgMax: argReduction('reduce_argmax'),
  ArgMin: argReduction('reduce_argmin'),
};
