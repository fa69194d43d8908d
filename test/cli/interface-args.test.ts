import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';

const convert = (...args: string[]) => parseCommandLine(['convert', 'm.onnx', ...args]);

describe('convert interface options', () => {
  it('reads the image classifier options of the issue into one interface request', () => {
    const request = convert(
      '--image-input', 'input:RGB', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--pixel-range', '1',
      '--class-labels', 'labels.txt', '--author', 'X', '--license', 'Y', '--metadata', 'team=vision', '--input-description', 'input=a photo',
    );
    expect(request).toMatchObject({
      command: 'convert',
      interface: {
        imageInputs: [{ name: 'input', color: 'RGB', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pixelRange: 1 }],
        classLabels: 'labels.txt',
        author: 'X',
        license: 'Y',
        metadata: { team: 'vision' },
        inputDescriptions: { input: 'a photo' },
      },
    });
  });

  it('keeps colons that belong to the input name and defaults the color to RGB', () => {
    expect(convert('--image-input', 'input:0:BGR')).toMatchObject({ interface: { imageInputs: [{ name: 'input:0', color: 'BGR' }] } });
    expect(convert('--image-input', 'image')).toMatchObject({ interface: { imageInputs: [{ name: 'image', color: 'RGB' }] } });
  });

  it('reads image outputs with their de-normalization', () => {
    expect(convert('--image-output', 'mask:GRAY:255')).toMatchObject({ interface: { imageOutputs: [{ name: 'mask', color: 'GRAY', scale: 255 }] } });
    expect(convert('--image-output', 'out:RGB:127.5:127.5')).toMatchObject({ interface: { imageOutputs: [{ name: 'out', color: 'RGB', scale: 127.5, bias: [127.5] }] } });
  });

  it.each([
    [['--mean', '0.5'], /need an --image-input/],
    [['--image-input', 'x', '--pixel-range', '100'], /--pixel-range must be one of 1, 255, got '100'/],
    [['--image-input', 'x', '--pixel-scale', '1,2'], /--pixel-scale: takes one number/],
    [['--image-input', 'x', '--mean', 'a,b'], /--mean must be a number or a comma list of numbers, got 'a,b'/],
    [['--metadata', 'novalue'], /--metadata must be KEY=TEXT, got 'novalue'/],
  ])('refuses %j with a usage error', (args, message) => {
    expect(() => convert(...args)).toThrow(message);
  });
});
