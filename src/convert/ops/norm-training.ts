import { milConst } from '../../mil/builder.js';
import { attrFloat, type OnnxNode } from '../../onnx/ir.js';
import type { ConvertContext } from '../types.js';
import { paramOperand } from './norm-variants.js';
import { floatScalar, outputName, typeOfInput, wantsOutput } from './nn-util.js';

/**
 * BatchNormalization with training_mode = 1 (opset 14+), as ONNX defines it:
 * deterministic, it normalizes with the batch's own statistics and updates the
 * running ones.
 *   current_mean = ReduceMean(X, all axes but 1), current_var = the population variance
 *   Y = (X − current_mean) / sqrt(current_var + ε) · scale + B
 *   running_mean = input_mean · momentum + current_mean · (1 − momentum), running_var likewise
 */
export function batchNormTraining(node: OnnxNode, ctx: ConvertContext): void {
  const x = ctx.requireInput(node, 0);
  const xt = typeOfInput(ctx, x);
  const rank = xt.shape.length;
  const channels = xt.shape[1];
  if (rank < 2 || typeof channels !== 'number') return ctx.unsupported(node, 'training mode needs an input of rank ≥ 2 with a static channel count');
  const name = outputName(node);
  const b = ctx.b;
  const reduce = { axes: milConst.ints([0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2)]), keep_dims: milConst.bool(true) };
  const mean = b.op1('reduce_mean', { x, ...reduce }, { name: `${name}_batch_mean` });
  const centered = b.op1('sub', { x, y: mean }, { name: `${name}_centered` });
  const variance = b.op1('reduce_mean', { x: b.op1('mul', { x: centered, y: centered }), ...reduce }, { name: `${name}_batch_var` });
  const epsilon = floatScalar(attrFloat(node, 'epsilon', 1e-5), xt.dtype);
  const normalized = b.op1('mul', { x: centered, y: b.op1('rsqrt', { x: variance, epsilon }) }, { name: `${name}_normalized` });
  const shape = [channels, ...xt.shape.slice(2).map(() => 1)];
  const scaled = b.op1('mul', { x: normalized, y: paramOperand(ctx, node, 1, shape, xt.dtype) }, { name: `${name}_scaled` });
  ctx.setOutput(node, 0, b.op1('add', { x: scaled, y: paramOperand(ctx, node, 2, shape, xt.dtype) }, { name }));
  const momentum = attrFloat(node, 'momentum', 0.9);
  const running = (i: number, current: string): void => {
    if (!wantsOutput(node, i)) return;
    const flat = b.op1('reshape', { x: current, shape: milConst.ints([channels]) }, { name: `${outputName(node, i)}_current` });
    const kept = b.op1('mul', { x: paramOperand(ctx, node, i + 2, [channels], xt.dtype), y: floatScalar(momentum, xt.dtype) });
    const added = b.op1('mul', { x: flat, y: floatScalar(1 - momentum, xt.dtype) });
    ctx.setOutput(node, i, b.op1('add', { x: kept, y: added }, { name: outputName(node, i) }));
  };
  running(1, mean);
  running(2, variance);
}
