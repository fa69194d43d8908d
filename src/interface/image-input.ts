import { imageChannels, imageFeature, type ArrayFeature, type FeatureDescription, type ImageColorSpace, type ImageFeature } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import type { MilOperation } from '../mil/ir.js';
import { channelConstant, type ProgramEditor } from './program-edit.js';
import type { FoldedPreprocessing, ImageColor, ImageInputOptions, PixelNormalization } from './types.js';

/**
 * Image inputs. Core ML hands an ML program an image as a [1, C, H, W] float tensor of
 * raw pixel values (0–255) in the color space's channel order; scale and bias are
 * ordinary ops at the top of the program (as coremltools writes them). Mean/std
 * normalization is folded into that scale and bias; a per-channel std, which one scale
 * cannot express, becomes one extra `mul`.
 */

export const COLOR_SPACE: Record<ImageColor, ImageColorSpace> = { RGB: 'RGB', BGR: 'BGR', GRAY: 'GRAYSCALE' };

const usage = (message: string): ToolError => new ToolError('USAGE', message);

function perChannel(values: readonly number[] | undefined, channels: number, what: string, input: string, fallback: number): number[] {
  if (values === undefined) return new Array<number>(channels).fill(fallback);
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  if (values.length !== channels) throw usage(`image input "${input}": ${what} has ${values.length} values; the input has ${channels} channel(s)`);
  return [...values];
}

/** The preprocessing Core ML runs for these options: value·scale + bias, then ·channelScale. */
export function foldNormalization(name: string, color: ImageColor, n: PixelNormalization): FoldedPreprocessing {
  const channels = imageChannels(COLOR_SPACE[color]);
  const coreMlForm = n.scale !== undefined || n.bias !== undefined;
  const meanStdForm = n.mean !== undefined || n.std !== undefined || n.pixelRange !== undefined;
  if (coreMlForm && meanStdForm) throw usage(`image input "${name}": give either --pixel-scale/--pixel-bias or --mean/--std/--pixel-range, not both`);
  if (!meanStdForm) {
    const scale = n.scale ?? 1;
    if (!Number.isFinite(scale)) throw usage(`image input "${name}": the pixel scale must be a finite number`);
    return { scale, bias: perChannel(n.bias, channels, 'the pixel bias', name, 0) };
  }
  const range = n.pixelRange ?? 255;
  const mean = perChannel(n.mean, channels, 'the mean', name, 0);
  const std = perChannel(n.std, channels, 'the std', name, 1);
  if (std.some((s) => !(s > 0) || !Number.isFinite(s))) throw usage(`image input "${name}": every std must be a positive number`);
  // (p·range/255 − mean)/std = p·(range/255)/std − mean/std: one scale when the stds agree.
  const k = range / 255;
  if (std.every((s) => s === std[0])) return { scale: k / std[0]!, bias: mean.map((m) => -m / std[0]!) };
  return { scale: k, bias: mean.map((m) => -m), channelScale: std.map((s) => 1 / s) };
}

/** One line on what the model will see, with the folded numbers. */
export function describeFolded(name: string, color: ImageColor, f: FoldedPreprocessing): string {
  const fmt = (v: number): string => String(Number(v.toPrecision(7)));
  const base = `image input "${name}" (${color}): tensor = pixel·${fmt(f.scale)} + [${f.bias.map(fmt).join(', ')}]`;
  return f.channelScale ? `${base}, then ·[${f.channelScale.map(fmt).join(', ')}] per channel (one mul in the program)` : base;
}

/** The image feature replacing a multiarray input, keeping its flexible sizes. */
export function imageInputFeature(desc: FeatureDescription, color: ImageColor): FeatureDescription<ImageFeature> {
  if (desc.type.kind !== 'multiArray') throw usage(`input "${desc.name}" is already an image`);
  const array: ArrayFeature = desc.type;
  const colorSpace = COLOR_SPACE[color];
  const channels = imageChannels(colorSpace);
  const [batch, c, height, width] = array.shape;
  if (array.shape.length !== 4 || batch !== 1 || c !== channels) {
    throw usage(`input "${desc.name}" has shape [${array.shape.join(', ')}]; a ${color} image input needs [1, ${channels}, H, W]`);
  }
  if (array.dtype !== 'float32') throw usage(`input "${desc.name}" is ${array.dtype}; an image input needs a float32 input`);
  const type = imageFeature(colorSpace, width!, height!);
  if (array.shapeRange) {
    const fixed = array.shapeRange.slice(0, 2).every(([lo, hi], axis) => lo === hi && lo === array.shape[axis]);
    if (!fixed) throw usage(`input "${desc.name}": an image input can only vary in height and width`);
    type.sizeRange = { height: array.shapeRange[2]!, width: array.shapeRange[3]! };
  }
  if (array.enumeratedShapes) {
    if (array.enumeratedShapes.some((s) => s[0] !== 1 || s[1] !== channels)) throw usage(`input "${desc.name}": an image input can only vary in height and width`);
    type.enumeratedSizes = array.enumeratedShapes.map((s) => ({ height: s[2]!, width: s[3]! }));
  }
  const out: FeatureDescription<ImageFeature> = { name: desc.name, type };
  if (desc.shortDescription) out.shortDescription = desc.shortDescription;
  return out;
}

/** Adds the preprocessing ops after input `name`; every former reader of the input reads their result. */
export function addImagePrologue(editor: ProgramEditor, name: string, folded: FoldedPreprocessing): void {
  const type = editor.typeOf(name);
  const ops: MilOperation[] = [];
  let current = name;
  const step = (opType: 'mul' | 'add', values: number[], hint: string, result: string): void => {
    const constant = editor.constOp(channelConstant(values), `${name}_${hint}`);
    const out = editor.fresh(`${name}_${result}`);
    ops.push(constant, editor.op(opType, { x: current, y: constant.name }, [{ name: out, type: { ...type, shape: [...type.shape] } }], `${name}_${hint}`));
    current = out;
  };
  if (folded.scale !== 1) step('mul', [folded.scale], 'scale', 'scaled');
  if (folded.bias.some((b) => b !== 0)) step('add', folded.bias, 'bias', 'biased');
  if (folded.channelScale) step('mul', folded.channelScale, 'channel_scale', 'channel_scaled');
  if (current === name) return;
  const added = new Set(ops);
  editor.prepend(ops);
  editor.redirectReads(name, current, added);
}

/** Checks the options name a real input, once each. */
export function checkImageInputs(options: readonly ImageInputOptions[], inputs: readonly string[]): void {
  const seen = new Set<string>();
  for (const o of options) {
    if (!inputs.includes(o.name)) throw usage(`--image-input names "${o.name}", which is not an input of the model (inputs: ${inputs.join(', ')})`);
    if (seen.has(o.name)) throw usage(`--image-input names "${o.name}" twice`);
    seen.add(o.name);
  }
}
