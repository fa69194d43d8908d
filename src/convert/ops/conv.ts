import { milConst, type MilArg } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrInt, attrInts, type OnnxNode } from '../../onnx/ir.js';
import { effectiveKernelSize, readWindow, resolvePads, type OnnxWindow } from '../../onnx/shapes/window.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { guarded, onnxPadsToMil, outputName, requireConstant, reshapeConstant, staticDims, typeOfInput } from './nn-util.js';

/** ONNX → MIL converters for the conv family: Conv and ConvTranspose. */

export interface MilPadding {
  pad_type: string;
  /** MIL pad, present for pad_type custom. */
  pad?: number[];
}

/**
 * MIL pad_type/pad for an ONNX window. SAME_LOWER becomes explicit pads when
 * the input size is known, because iOS15's conv and pooling reject same_lower;
 * with unknown sizes it needs iOS16.
 */
export function milPadding(ctx: ConvertContext, node: OnnxNode, win: OnnxWindow, inDims: readonly (number | null)[]): MilPadding {
  const known = inDims.every((d): d is number => d !== null);
  if (win.autoPad === 'VALID') return { pad_type: 'valid' };
  if (win.autoPad === 'SAME_UPPER') return { pad_type: 'same' };
  if (win.autoPad === 'SAME_LOWER') {
    if (known) return { pad_type: 'custom', pad: onnxPadsToMil(resolvePads(win, inDims)) };
    if (targetRank(ctx.target) >= targetRank('iOS16')) return { pad_type: 'same_lower' };
    return ctx.unsupported(node, 'auto_pad SAME_LOWER with unknown spatial sizes needs deployment target iOS16 or later');
  }
  if (win.pads.every((p) => p === 0)) return { pad_type: 'valid' };
  if (win.pads.some((p) => p < 0)) return ctx.unsupported(node, 'negative pads are not supported');
  return { pad_type: 'custom', pad: onnxPadsToMil(win.pads) };
}

function paddingArgs(p: MilPadding): Record<string, MilArg> {
  return p.pad ? { pad_type: milConst.str(p.pad_type), pad: milConst.ints(p.pad) } : { pad_type: milConst.str(p.pad_type) };
}

interface ConvInputs {
  x: string;
  weight: string;
  kernel: number[];
  inDims: (number | null)[];
  win: OnnxWindow;
}

function readConvInputs(node: OnnxNode, ctx: ConvertContext): ConvInputs {
  const x = ctx.requireInput(node, 0);
  const weight = ctx.requireInput(node, 1);
  const xt = typeOfInput(ctx, x);
  const spatial = xt.shape.length - 2;
  if (spatial < 1 || spatial > 3) ctx.unsupported(node, `input rank ${xt.shape.length}: Core ML convolution takes 1 to 3 spatial dims`);
  const kernel = staticDims(typeOfInput(ctx, weight))?.slice(2);
  if (!kernel) return ctx.unsupported(node, 'weight shape must be static');
  const win = guarded(ctx, node, () => readWindow(node, spatial, kernel));
  return { x, weight, kernel, inDims: xt.shape.slice(2), win };
}

/** Bias input as an argument; non-constant bias needs iOS17's conv definition. */
function biasArg(node: OnnxNode, ctx: ConvertContext): string | undefined {
  const bias = ctx.input(node, 2);
  if (bias && !ctx.constant(node, 2) && targetRank(ctx.target) < targetRank('iOS17')) {
    ctx.unsupported(node, 'a non-constant bias needs deployment target iOS17 or later');
  }
  return bias;
}

const conv: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['conv'],
  limits: '1-3 spatial dims; SAME_LOWER with unknown input sizes needs iOS16; non-constant weight needs dilations 1',
  convert(node, ctx) {
    const { x, weight, win, inDims } = readConvInputs(node, ctx);
    if (!ctx.constant(node, 1) && win.dilations.some((d) => d !== 1)) {
      ctx.unsupported(node, 'a non-constant weight with dilations other than 1 is not supported by Core ML');
    }
    const y = ctx.b.op1(
      'conv',
      {
        x,
        weight,
        bias: biasArg(node, ctx),
        strides: milConst.ints(win.strides),
        ...paddingArgs(milPadding(ctx, node, win, inDims)),
        dilations: milConst.ints(win.dilations),
        groups: milConst.int(attrInt(node, 'group', 1)),
      },
      { name: outputName(node) },
    );
    ctx.setOutput(node, 0, y);
  },
};

/** Crop (positive) or zero-extension (negative) at each end of each spatial dim. */
interface TransposeCrop {
  begin: number[];
  end: number[];
}

/**
 * How much to cut from each end of the un-padded transposed convolution
 * (length s·(in−1) + k_eff) to get ONNX's output. output_padding extends the
 * end, so it reduces the end crop; an explicit output_shape or SAME_* derives
 * the pads from the total as ONNX Runtime does (odd pixel at the end for
 * SAME_UPPER, at the start otherwise).
 */
function transposeCrop(node: OnnxNode, ctx: ConvertContext, win: OnnxWindow, inDims: readonly (number | null)[]): TransposeCrop {
  const spatial = win.kernel.length;
  const outputPadding = attrInts(node, 'output_padding') ?? new Array<number>(spatial).fill(0);
  const explicit = attrInts(node, 'output_shape');
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < spatial; d++) {
    let pb: number;
    let pe: number;
    if (explicit || win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') {
      const inDim = inDims[d];
      if (inDim === null || inDim === undefined) return ctx.unsupported(node, 'output_shape or SAME auto_pad needs static spatial input sizes');
      const s = win.strides[d]!;
      const target = explicit ? explicit[explicit.length - spatial + d]! : inDim * s;
      const total = s * (inDim - 1) + outputPadding[d]! + effectiveKernelSize(win.kernel[d]!, win.dilations[d]!) - target;
      const small = Math.floor(total / 2);
      pb = win.autoPad === 'SAME_UPPER' ? small : total - small;
      pe = total - pb;
    } else if (win.autoPad === 'VALID') {
      pb = 0;
      pe = 0;
    } else {
      pb = win.pads[d]!;
      pe = win.pads[d + spatial]!;
    }
    begin.push(pb);
    end.push(pe - outputPadding[d]!);
  }
  return { begin, end };
}

const convTranspose: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['conv_transpose', 'pad', 'add'],
  limits: '1-3 spatial dims; weight must be constant before iOS17; output_shape/SAME need static input sizes',
  convert(node, ctx) {
    const { x, weight, win, inDims } = readConvInputs(node, ctx);
    if (!ctx.constant(node, 1) && targetRank(ctx.target) < targetRank('iOS17')) {
      ctx.unsupported(node, 'a non-constant weight needs deployment target iOS17 or later');
    }
    const crop = transposeCrop(node, ctx, win, inDims);
    const cut = [...crop.begin, ...crop.end].map((c) => Math.max(0, c));
    const extend = [...crop.begin, ...crop.end].map((c) => Math.max(0, -c));
    const needsExtension = extend.some((e) => e > 0);
    const bias = biasArg(node, ctx);
    let y = ctx.b.op1(
      'conv_transpose',
      {
        x,
        weight,
        // With zero-extended borders the bias must also cover them, so it is added afterwards.
        bias: needsExtension ? undefined : bias,
        strides: milConst.ints(win.strides),
        ...(cut.some((c) => c > 0) ? { pad_type: milConst.str('custom'), pad: milConst.ints(onnxPadsToMil(cut)) } : { pad_type: milConst.str('valid') }),
        dilations: milConst.ints(win.dilations),
        groups: milConst.int(attrInt(node, 'group', 1)),
      },
      { name: needsExtension ? `${outputName(node)}_core` : outputName(node) },
    );
    if (needsExtension) y = extendAndAddBias(node, ctx, y, onnxPadsToMil(extend), bias);
    ctx.setOutput(node, 0, y);
  },
};

function extendAndAddBias(node: OnnxNode, ctx: ConvertContext, y: string, milPad: number[], bias: string | undefined): string {
  const dtype = typeOfInput(ctx, y).dtype;
  const padded = ctx.b.op1(
    'pad',
    { x: y, pad: milConst.ints(milPad), mode: milConst.str('constant'), constant_val: milConst.float(0, dtype === 'float16' ? 'float16' : 'float32') },
    { name: bias ? `${outputName(node)}_padded` : outputName(node) },
  );
  if (!bias) return padded;
  const biasValue = requireConstant(ctx, node, 2, 'bias of a transposed convolution whose output is extended');
  const spatial = milPad.length / 2;
  const column = reshapeConstant(biasValue, [biasValue.shape[0]!, ...new Array<number>(spatial).fill(1)]);
  return ctx.b.op1('add', { x: padded, y: column }, { name: outputName(node) });
}

export const convConverters: ConverterTable = { Conv: conv, ConvTranspose: convTranspose };
