import { describe, expect, it } from 'vitest';
import type { ModelResult } from '../../src/report/schema.js';
import { gateFailures } from '../../src/run/gates.js';
import { emptyModelResult } from '../../src/run/model.js';

const why = 'no reference outputs: onnxruntime-web cannot load the model. Fix: add test_data_set_0/ beside the model, or set allow-unverified';

function unverified(path: string): ModelResult {
  return { ...emptyModelResult(path, 10), status: 'unverified', unverifiedReason: why };
}

describe('gateFailures for a model that could not be verified', () => {
  it('fails the run by default, in one line naming the model, why and the fix', () => {
    expect(gateFailures([unverified('models/a.onnx')], { failOnUnsupported: true })).toEqual([`models/a.onnx: not verified: ${why}`]);
  });

  it('passes when unverified models are allowed', () => {
    expect(gateFailures([unverified('models/a.onnx')], { failOnUnsupported: true, allowUnverified: true })).toEqual([]);
  });

  it('leaves verified models alone', () => {
    expect(gateFailures([{ ...emptyModelResult('models/b.onnx', 10), status: 'passed', reference: 'onnxruntime' }], { failOnUnsupported: true })).toEqual([]);
  });
});
