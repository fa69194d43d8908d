import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { imageClassifier, writeModel } from '../interface/models.js';
import { captureIO, makeTempDir } from './fixtures.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

describe('convert with the issue-13 options, then check and verify the package', () => {
  it('prints the folded normalization, describes an image classifier with its metadata, and verifies', async () => {
    const onnx = writeModel(tmp.dir, 'classifier.onnx', imageClassifier(false));
    const labels = join(tmp.dir, 'labels.txt');
    writeFileSync(labels, 'cat\ndog\nbird\nfish\nfrog\n');
    const pkg = join(tmp.dir, 'classifier.mlpackage');
    const convert = captureIO();
    const args = ['--image-input', 'input:RGB', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--pixel-range', '1'];
    expect(await main(['convert', onnx, '-o', pkg, ...args, '--class-labels', labels, '--author', 'X', '--license', 'Y'], convert)).toBe(0);
    expect(convert.out()).toContain('then ·[4.366812, 4.464286, 4.444444] per channel (one mul in the program)');
    expect(convert.out()).toContain('classifier: 5 labels');

    const check = captureIO();
    expect(await main(['check', pkg, '--json'], check)).toBe(0);
    const description = JSON.parse(check.out());
    expect(description.inputs).toEqual([expect.objectContaining({ name: 'input', kind: 'image', type: 'RGB image 8×8' })]);
    expect(description.outputs.map((o: { kind: string }) => o.kind)).toEqual(['string', 'dictionary']);
    expect(description.classifier).toEqual({ labels: 5, labelOutput: 'classLabel', probabilitiesOutput: 'classLabel_probs', softmaxAdded: true });
    expect(description.metadata).toMatchObject({ author: 'X', license: 'Y' });

    const verify = captureIO();
    expect(await main(['verify', pkg, '--onnx', onnx], verify)).toBe(0);
    expect(verify.out()).toMatch(/^PASS/);
  });
});
