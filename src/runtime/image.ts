import type { ImageFeature } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import { float32ArrayToFloat16 } from '../tensor/fp16.js';
import { formatShape, makeTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Image inputs as Core ML hands them to an ML program. An app passes pixels; the
 * interpreter takes them as uint8 [H, W, 3] in R, G, B order (or [H, W, 1] gray) and
 * builds the [1, C, H, W] tensor of raw pixel values (0–255) with the channels in the
 * image feature's color space order: R, G, B for RGB and B, G, R for BGR. Scale and
 * bias are not applied here: in an ML program they are ops of the program itself.
 */

/** For each program channel, the pixel channel it reads. */
const CHANNEL_ORDER: Record<ImageFeature['colorSpace'], readonly number[]> = {
  RGB: [0, 1, 2],
  BGR: [2, 1, 0],
  GRAYSCALE: [0],
  GRAYSCALE_FLOAT16: [0],
};

function sizeAllowed(feature: ImageFeature, width: number, height: number): boolean {
  if (feature.enumeratedSizes) return feature.enumeratedSizes.some((s) => s.width === width && s.height === height);
  const range = feature.sizeRange;
  if (range) {
    const within = (v: number, [lo, hi]: [number, number]): boolean => v >= lo && (hi < 0 || v <= hi);
    return within(width, range.width) && within(height, range.height);
  }
  return width === feature.width && height === feature.height;
}

export function imageToProgramTensor(feature: ImageFeature, name: string, pixels: Tensor): Tensor {
  const order = CHANNEL_ORDER[feature.colorSpace];
  const [height, width, channels] = pixels.shape;
  if (pixels.dtype !== 'uint8' || pixels.shape.length !== 3 || channels !== order.length) {
    throw new ToolError('RUNTIME', `input '${name}' is a ${feature.colorSpace} image: give uint8 pixels [H, W, ${order.length}], got ${pixels.dtype} ${formatShape(pixels.shape)}`);
  }
  if (!sizeAllowed(feature, width!, height!)) {
    throw new ToolError('RUNTIME', `input '${name}' takes ${feature.width}x${feature.height} images (or its flexible sizes), got ${width}x${height}`);
  }
  const plane = width! * height!;
  const out = new Float32Array(order.length * plane);
  const src = pixels.data as Uint8Array;
  order.forEach((from, c) => {
    for (let i = 0; i < plane; i++) out[c * plane + i] = src[i * order.length + from]!;
  });
  const shape = [1, order.length, height!, width!];
  return feature.colorSpace === 'GRAYSCALE_FLOAT16' ? makeTensor('float16', shape, float32ArrayToFloat16(out)) : makeTensor('float32', shape, out);
}
