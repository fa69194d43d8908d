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

function argReduction(milOp: 'reduce_argmax' | 'reduce_argmin'): OpConverter {
  return {
    opsets: [1, LATEST_OPSET],
    milOps: [milOp],
    limits: 'select_last_index=1 is not supported',
    convert(node, ctx) {
      if (attrInt(node, 'select_last_index', 0) !== 0) return ctx.unsupported(node, 'select_last_index=1');
      const x = ctx.requireInput(node, 0);
      const axis = normalizeAxis(node, attrInt(node, 'axis', 0), ctx.b.typeOf(x).shape.length);
      const keep = attrInt(node, 'keepdims', 1) !== 0;
      ctx.setOutput(node, 0, ctx.b.op1(milOp, { x, axis: milConst.int(axis), keep_dims: milConst.bool(keep) }, { name: node.outputs[0] }));
    },
  };
}

export const reduceConverters: ConverterTable = {
  ...Object.fromEntries(Object.entries(MIL_REDUCTION).map(([onnx, mil]) => [onnx, reduction(mil)])),
  ArgMax: argReduction('reduce_argmax'),
  ArgMin: argReduction('reduce_argmin'),
};
