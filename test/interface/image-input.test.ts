import { describe, expect, it } from 'vitest';
import { foldNormalization } from '../../src/interface/image-input.js';
import { normalizedImage, pixelsFromNormalized } from '../../src/verify/interface.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import type { ImageInputOptions, PixelNormalization } from '../../src/interface/index.js';

/** Applies a folded preprocessing to one pixel value of channel c, as the program ops do. */
function applyFolded(f: ReturnType<typeof foldNormalization>, p: number, c: number): number {
  return (p * f.scale + f.bias[c]!) * (f.channelScale?.[c] ?? 1);
}

describe('folding image normalization into Core ML scale and bias', () => {
  it('folds one std into the scale and the bias', () => {
    const f = foldNormalization('x', 'RGB', { mean: [0.5], std: [0.5], pixelRange: 1 });
    expect(f.channelScale).toBeUndefined();
    expect(f.scale).toBeCloseTo(2 / 255, 12);
    expect(f.bias).toEqual([-1, -1, -1]);
  });

  it('keeps a per-channel std as a separate channel scale', () => {
    const f = foldNormalization('x', 'RGB', { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pixelRange: 1 });
    expect(f.channelScale).toHaveLength(3);
  });

  it.each([
    ['mean/std on the 0-1 scale', { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pixelRange: 1 as const }],
    ['mean/std on the 0-255 scale', { mean: [123.7, 116.3, 103.5], std: [58.4, 57.1, 57.4], pixelRange: 255 as const }],
    ['one std on the 0-255 scale', { mean: [127.5], std: [127.5] }],
    ["Core ML's own scale and bias", { scale: 1 / 127.5, bias: [-1, -0.5, 0] }],
  ])('computes what the direct formula computes: %s', (_what, options) => {
    const f = foldNormalization('x', 'BGR', options);
    const pixels = makeTensor('uint8', [1, 4, 3], Uint8Array.of(0, 10, 255, 128, 64, 32, 1, 2, 3, 200, 100, 50));
    const direct = normalizedImage(pixels, { name: 'x', color: 'BGR', ...options }).data as Float32Array;
    // BGR: model channel c reads pixel channel 2 - c.
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 4; i++) expect(applyFolded(f, (pixels.data as Uint8Array)[i * 3 + (2 - c)]!, c)).toBeCloseTo(direct[c * 4 + i]!, 5);
    }
  });

  it('refuses mixing the two forms, a bad channel count and a non-positive std', () => {
    expect(() => foldNormalization('x', 'RGB', { scale: 2, mean: [0] })).toThrow(/either --pixel-scale\/--pixel-bias or --mean/);
    expect(() => foldNormalization('x', 'RGB', { mean: [0, 0] })).toThrow(/the mean has 2 values; the input has 3 channel/);
    expect(() => foldNormalization('x', 'GRAY', { std: [0] })).toThrow(/every std must be a positive number/);
  });
});

describe('pixels recovered from reference tensors', () => {
  const cases: [ImageInputOptions['color'], PixelNormalization][] = [
    ['RGB', { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pixelRange: 1 }],
    ['BGR', { scale: 1 / 255, bias: [-0.5] }],
    ['GRAY', { mean: [127.5], std: [127.5] }],
  ];
  it.each(cases)('undo the %s normalization exactly for integer pixels', (color, options) => {
    const channels = color === 'GRAY' ? 1 : 3;
    const pixels = makeTensor('uint8', [2, 3, channels], Uint8Array.from({ length: 6 * channels }, (_, i) => (i * 53 + 7) % 256));
    const image: ImageInputOptions = { name: 'x', color, ...options };
    expect(pixelsFromNormalized(normalizedImage(pixels, image), image)).toEqual(pixels);
  });
});
