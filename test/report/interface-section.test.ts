import { describe, expect, it } from 'vitest';
import type { InterfaceSummary } from '../../src/interface/describe.js';
import { renderInterfaceSection } from '../../src/report/interface-section.js';

const CLASSIFIER: InterfaceSummary = {
  inputs: [{ name: 'input', kind: 'image', type: 'RGB image 224×224', normalization: 'mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225] on 0–1 → pixel·0.00392157 + [-0.485, -0.456, -0.406] then ·[4.36681, 4.46429, 4.44444]' }],
  outputs: [
    { name: 'classLabel', kind: 'string', type: 'string' },
    { name: 'classLabel_probs', kind: 'dictionary', type: 'dictionary string → double' },
  ],
  classifier: { labels: 1000, labelOutput: 'classLabel', probabilitiesOutput: 'classLabel_probs', softmaxAdded: false },
  metadata: { author: 'X', license: 'Y' },
  userDefined: { 'com.github.onnx-coreml-action.version': 'onnx-coreml-action 0.1.0' },
};

describe("the comment's interface section", () => {
  it('summarizes inputs, outputs, the classifier and the metadata in one folded section', () => {
    const md = renderInterfaceSection(CLASSIFIER);
    expect(md).toMatch(/^<details><summary>Interface: 1 input\(s\), 1 image · 2 output\(s\) · classifier with 1000 labels · author, license set<\/summary>/);
    expect(md).toContain('`RGB image 224×224`');
    expect(md).toContain('`mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225] on 0–1 → pixel·0.00392157 + [-0.485, -0.456, -0.406]');
    expect(md).toContain('then ·[4.36681, 4.46429, 4.44444]`');
    expect(md).toContain('Classifier: 1000 labels; label `classLabel`, probabilities `classLabel_probs`; the scores were already normalized.');
    expect(md).toContain('- author: X');
  });

  it('escapes what the model and the user wrote', () => {
    const md = renderInterfaceSection({ ...CLASSIFIER, metadata: { author: '<img src=x onerror=alert(1)> | @everyone' }, userDefined: { 'k|ey': 'v`al' } });
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;img');
  });
});
