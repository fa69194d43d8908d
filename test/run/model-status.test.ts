import { describe, expect, it } from 'vitest';
import type { VariantResult } from '../../src/report/schema.js';
import { modelStatusOf } from '../../src/run/model.js';

const variant = (status: VariantResult['status']): VariantResult => ({
  name: 'fp16',
  target: 'iOS15',
  status,
  sizeBytes: 1,
  package: null,
  gate: 'PSNR ≥ 40 dB',
  outputs: [],
  warnings: [],
});

describe('modelStatusOf', () => {
  it('passes only when every variant was verified and passed', () => {
    expect(modelStatusOf([variant('passed'), variant('passed')])).toBe('passed');
  });

  it('stays unverified when a variant could not be checked against references', () => {
    expect(modelStatusOf([variant('passed'), variant('unverified')])).toBe('unverified');
    expect(modelStatusOf([])).toBe('unverified');
  });

  it('fails when any variant failed or errored', () => {
    expect(modelStatusOf([variant('unverified'), variant('failed')])).toBe('failed');
    expect(modelStatusOf([variant('passed'), variant('error')])).toBe('failed');
  });
});
