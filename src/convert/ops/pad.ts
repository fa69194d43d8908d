import { milConst } from '../../mil/builder.js';
import { readPadSpec } from '../../onnx/shapes/pad.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConverterTable, type OpConverter } from '../types.js';
import { floatScalar, guarded, outputName, typeOfInput } from './nn-util.js';
import { fillPaddingWithRuntimeValue, padThenCrop, runtimePad } from './pad-dynamic.js';
import { gatherPad } from './pad-gather.js';
import { attrString } from '../../onnx/ir.js';

/** ONNX → MIL converter for Pad; negative and run-time pads are handled in pad-dynamic.ts. */

const PAD_MODES: Readonly<Record<string, string>> = { constant: 'constant', reflect: 'reflect', edge: 'replicate' };

const pad: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['pad', 'identity', 'slice_by_index', 'transpose', 'reshape', 'maximum', 'mul', 'sub', 'shape', 'fill', 'greater', 'select', 'cast', 'clip', 'abs', 'gather'],
  limits:
    'constant, reflect and edge modes; negative pads (cropping) in constant mode only; run-time pads in constant mode, or edge and reflect with static input and output shapes; integer tensors in edge and reflect mode with static shapes',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const rank = xt.shape.length;
    const onnxMode = attrString(node, 'mode', 'constant');
    const runtimePads = ctx.opset >= 11 && !!node.inputs[1] && !ctx.constant(node, 1);
    const isFloat = xt.dtype === 'float32' || xt.dtype === 'float16';
    if (!isFloat || (runtimePads && onnxMode !== 'constant')) {
      const gathered = gatherPad(node, ctx, x, onnxMode);
      if (gathered) return ctx.setOutput(node, 0, gathered);
      if (!isFloat) return ctx.unsupported(node, `Core ML pads only float tensors, not ${xt.dtype} (edge and reflect with static shapes are gathers)`);
    }
    if (runtimePads) return ctx.setOutput(node, 0, runtimePad(node, ctx, x));
    const runtimeValue = ctx.opset >= 11 && !!node.inputs[2] && !ctx.constant(node, 2);
    const spec = guarded(ctx, node, () =>
      readPadSpec(node, ctx.opset, rank, (i) => {
        const t = ctx.constant(node, i);
        if (!t && i === 2 && runtimeValue) return floatScalar(0, 'float32');
        return t ? narrowConstant(t, node.inputs[i]!) : undefined;
      }),
    );
    if (!spec) return ctx.unsupported(node, 'axes must be a constant');
    const mode = PAD_MODES[spec.mode];
    if (!mode) return ctx.unsupported(node, `mode "${spec.mode}" is not supported (constant, reflect, edge are)`);
    const cropping = [...spec.begins, ...spec.ends].some((p) => p < 0);
    if (cropping && mode !== 'constant') return ctx.unsupported(node, `negative pads (cropping) in ${spec.mode} mode are not supported`);
    const grow = (p: number) => Math.max(p, 0);
    const first = spec.begins.findIndex((p, i) => grow(p) !== 0 || grow(spec.ends[i]!) !== 0);
    const name = cropping ? `${outputName(node)}_grown` : outputName(node);
    let y = x;
    if (first < 0 && !cropping) y = ctx.b.op1('identity', { x }, { name });
    if (first >= 0) {
      // MIL pads the last N dims; start at the first padded axis.
      const milPad: number[] = [];
      for (let axis = first; axis < rank; axis++) milPad.push(grow(spec.begins[axis]!), grow(spec.ends[axis]!));
      const fill = runtimeValue && mode === 'constant';
      const args = { x, pad: milConst.ints(milPad), mode: milConst.str(mode), ...(mode === 'constant' ? { constant_val: floatScalar(spec.value, xt.dtype) } : {}) };
      y = ctx.b.op1('pad', args, { name: fill ? `${name}_zero_padded` : name });
      if (fill) y = fillPaddingWithRuntimeValue(node, ctx, x, milConst.ints(milPad), y, name);
    }
    ctx.setOutput(node, 0, cropping ? padThenCrop(node, ctx, y, spec.begins, spec.ends) : y);
  },
};

export const padConverters: ConverterTable = { Pad: pad };
