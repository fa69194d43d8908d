import { imageChannels, imageFeature, type FeatureDescription, type ImageFeature } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import { makeTensor } from '../tensor/tensor.js';
import { COLOR_SPACE } from './image-input.js';
import { channelConstant, type ProgramEditor } from './program-edit.js';
import type { ImageOutputOptions } from './types.js';

/**
 * Image outputs. Core ML turns a [1, C, H, W] fp32 output into an image of 8-bit pixels,
 * so the program itself maps the model's values to 0–255: an explicit de-normalization
 * (value·scale + bias) and a clip, appended before the output. The output keeps its name.
 */

const usage = (message: string): ToolError => new ToolError('USAGE', message);

export function resolveImageOutput(o: ImageOutputOptions): Required<ImageOutputOptions> {
  const channels = imageChannels(COLOR_SPACE[o.color]);
  const bias = o.bias ?? [0];
  if (bias.length !== 1 && bias.length !== channels) throw usage(`image output "${o.name}": the bias has ${bias.length} values; the output has ${channels} channel(s)`);
  const scale = o.scale ?? 1;
  if (!Number.isFinite(scale) || bias.some((b) => !Number.isFinite(b))) throw usage(`image output "${o.name}": scale and bias must be finite numbers`);
  return { name: o.name, color: o.color, scale, bias: bias.length === 1 ? new Array<number>(channels).fill(bias[0]!) : [...bias] };
}

/** The image feature describing output `desc`, whose program shape must be [1, C, H, W]. */
export function imageOutputFeature(desc: FeatureDescription, o: Required<ImageOutputOptions>, shape: readonly (number | null)[]): FeatureDescription<ImageFeature> {
  const colorSpace = COLOR_SPACE[o.color];
  const channels = imageChannels(colorSpace);
  const [batch, c, height, width] = shape;
  if (shape.length !== 4 || batch !== 1 || c !== channels) {
    throw usage(`output "${desc.name}" has shape [${shape.map((d) => d ?? '?').join(', ')}]; a ${o.color} image output needs [1, ${channels}, H, W]`);
  }
  // A size known only at run time is described as 1×1 with an open range, as coremltools does.
  const type = imageFeature(colorSpace, width ?? 1, height ?? 1);
  if (width === null || height === null) type.sizeRange = { width: [1, -1], height: [1, -1] };
  const out: FeatureDescription<ImageFeature> = { name: desc.name, type };
  if (desc.shortDescription) out.shortDescription = desc.shortDescription;
  return out;
}

/** Appends cast (fp16 programs) → mul → add → clip(0, 255) before output `name`. */
export function addImageEpilogue(editor: ProgramEditor, name: string, o: Required<ImageOutputOptions>): void {
  const raw = editor.fresh(`${name}_raw`);
  editor.renameOutput(name, raw);
  const source = editor.typeOf(raw);
  if (source.dtype !== 'float32' && source.dtype !== 'float16') throw usage(`output "${name}" is ${source.dtype}; an image output needs a float output`);
  const type = { dtype: 'float32' as const, shape: [...source.shape] };
  let current = raw;
  const ops = [];
  if (source.dtype === 'float16') {
    const dtype = editor.constOp(makeTensor('string', [], ['fp32']), `${name}_dtype`);
    const out = editor.fresh(`${name}_fp32`);
    ops.push(dtype, editor.op('cast', { x: current, dtype: dtype.name }, [{ name: out, type }], `${name}_cast`));
    current = out;
  }
  if (o.scale !== 1) {
    const scale = editor.constOp(channelConstant([o.scale]), `${name}_scale`);
    const out = editor.fresh(`${name}_scaled`);
    ops.push(scale, editor.op('mul', { x: current, y: scale.name }, [{ name: out, type }], `${name}_scale`));
    current = out;
  }
  if (o.bias.some((b) => b !== 0)) {
    const bias = editor.constOp(channelConstant(o.bias.every((b) => b === o.bias[0]) ? [o.bias[0]!] : o.bias), `${name}_bias`);
    const out = editor.fresh(`${name}_biased`);
    ops.push(bias, editor.op('add', { x: current, y: bias.name }, [{ name: out, type }], `${name}_bias`));
    current = out;
  }
  const alpha = editor.constOp(channelConstant([0]), `${name}_min`);
  const beta = editor.constOp(channelConstant([255]), `${name}_max`);
  ops.push(alpha, beta, editor.op('clip', { x: current, alpha: alpha.name, beta: beta.name }, [{ name, type }], `${name}_clip`));
  editor.append(ops);
  editor.fn.block.outputs = editor.fn.block.outputs.map((out) => (out === raw ? name : out));
}
