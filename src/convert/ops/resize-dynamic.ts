import { milConst } from '../../mil/builder.js';
import { attrBool, attrInts, attrString, type OnnxNode } from '../../onnx/ir.js';
import { makeTensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';
import { outputName } from './nn-util.js';
import { shapeElements } from './resize-sizes.js';

/**
 * Resize whose output height and width are only known at run time: `sizes` computed
 * from dynamic shapes (F.interpolate(y, size=x.shape[2:]) on a dynamic H×W input).
 * Core ML's iOS17 `resize` takes the target shape as a run-time tensor and derives
 * the scale as out / in, which is ONNX's scale when sizes are given; the sampling
 * grids match per coordinate mode below.
 */

/** ONNX linear coordinate modes → iOS17 resize sampling modes (grids equal for scale = out / in). */
const LINEAR_SAMPLING: Readonly<Record<string, string>> = {
  half_pixel: 'UNALIGN_CORNERS',
  // Equal to half_pixel except for an output size of 1 (then ONNX samples 0); see the warning.
  pytorch_half_pixel: 'UNALIGN_CORNERS',
  align_corners: 'STRICT_ALIGN_CORNERS',
  asymmetric: 'DEFAULT',
};

/**
 * Core ML's resize picks the nearest grid point with halves rounded up, which is ONNX's
 * round_prefer_ceil; ONNX's floor and ceil modes pick other pixels at most scales.
 */
const NEAREST_SAMPLING: Readonly<Record<string, string>> = {
  half_pixel: 'UNALIGN_CORNERS',
  asymmetric: 'DEFAULT',
};

interface Sampling {
  interpolation: 'LINEAR' | 'NEAREST_NEIGHBOR';
  sampling: string;
}

function samplingFor(node: OnnxNode, ctx: ConvertContext): Sampling {
  const mode = attrString(node, 'mode', 'nearest');
  const coordinates = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  if (mode === 'linear') {
    const sampling = LINEAR_SAMPLING[coordinates];
    if (!sampling) return ctx.unsupported(node, `linear resize to run-time sizes with coordinate_transformation_mode ${coordinates} has no Core ML sampling mode`);
    if (coordinates === 'pytorch_half_pixel') ctx.warn(node, 'an output size of 1 (known only at run time) would be sampled at the half-pixel centre, where ONNX samples the first pixel');
    return { interpolation: 'LINEAR', sampling };
  }
  if (mode === 'nearest') {
    const rounding = attrString(node, 'nearest_mode', 'round_prefer_floor');
    const sampling = NEAREST_SAMPLING[coordinates];
    if (!sampling || rounding !== 'round_prefer_ceil') {
      return ctx.unsupported(node, `nearest resize to run-time sizes: Core ML rounds halves up on its grid, which ONNX's nearest_mode ${rounding} with coordinate_transformation_mode ${coordinates} does not match at every size`);
    }
    return { interpolation: 'NEAREST_NEIGHBOR', sampling };
  }
  return ctx.unsupported(node, `mode ${mode} is not supported (nearest and linear are)`);
}

/** The leading sizes must leave x's leading dims as they are: Core ML resizes the last two only. */
function checkLeadingSizes(node: OnnxNode, ctx: ConvertContext, x: string, sizes: string): void {
  const shape = ctx.b.typeOf(x).shape;
  const elements = shapeElements(ctx.b, sizes);
  if (!elements || elements.length !== shape.length) {
    ctx.unsupported(node, 'sizes are computed at run time in a way conversion cannot follow, so it cannot tell that only the last two dims are resized');
  }
  for (let axis = 0; axis < shape.length - 2; axis++) {
    const e = elements[axis];
    const same = (typeof e === 'number' && e === shape[axis]) || (e !== null && typeof e === 'object' && e.dimOf === x && e.axis === axis);
    if (!same) ctx.unsupported(node, `sizes may resize dim ${axis}; Core ML only resizes the last two dims`);
  }
}

/** Converts a Resize to run-time sizes with iOS17's resize (the target is raised to iOS17 when older). */
export function convertRuntimeSizes(node: OnnxNode, ctx: ConvertContext, x: string): void {
  if (node.opType !== 'Resize' || ctx.opset < 11 || !node.inputs[3]) {
    ctx.unsupported(node, 'scales must be constants (sizes may be computed at run time)');
  }
  if (attrInts(node, 'axes')) ctx.unsupported(node, 'the axes attribute with run-time sizes is not supported');
  if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') ctx.unsupported(node, 'keep_aspect_ratio_policy with run-time sizes is not supported');
  if (attrBool(node, 'antialias', false)) ctx.unsupported(node, 'antialiased resize to run-time sizes is not supported');
  const sampling = samplingFor(node, ctx);
  const sizes = ctx.requireInput(node, 3);
  checkLeadingSizes(node, ctx, x, sizes);
  ctx.requireTarget(node, 'iOS17', 'resizes to sizes known only at run time');
  const rank = ctx.b.typeOf(x).shape.length;
  const spatial = ctx.b.op1('slice_by_index', { x: sizes, begin: milConst.ints([rank - 2]), end: milConst.ints([rank]) }, { name: `${outputName(node)}_hw` });
  const out = ctx.b.op1(
    'resize',
    {
      x,
      shape: spatial,
      resized_dims: makeTensor('uint32', [], Uint32Array.of(2)),
      interpolation_mode: milConst.str(sampling.interpolation),
      sampling_mode: milConst.str(sampling.sampling),
    },
    { name: outputName(node) },
  );
  ctx.setOutput(node, 0, out);
}
