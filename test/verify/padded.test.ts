import { describe, expect, it } from 'vitest';
import { FP16_GATE } from '../../src/parity/gates.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { evaluatePaddedOutput } from '../../src/verify/padded.js';

const reference = (rows: number[][]) => makeTensor('int64', [rows.length, 3], BigInt64Array.from(rows.flat(), (v) => BigInt(v)));
const padded = (rows: number[][], total: number) => {
  const data = new Int32Array(total * 3).fill(-1);
  data.set(rows.flat());
  return makeTensor('int32', [total, 3], data);
};
const padding = { rows: 4, padValue: -1 };

describe('judging an output padded to a row bound', () => {
  it('compares the valid rows exactly, whatever the variant’s gate', () => {
    const v = evaluatePaddedOutput(reference([[0, 0, 3], [0, 1, 2]]), padded([[0, 0, 3], [0, 1, 2]], 4), padding, FP16_GATE);
    expect(v).toMatchObject({ pass: true, gate: { kind: 'exact' } });
    const wrong = evaluatePaddedOutput(reference([[0, 0, 3], [0, 1, 2]]), padded([[0, 0, 3], [0, 1, 1]], 4), padding, FP16_GATE);
    expect(wrong.pass).toBe(false);
  });

  it('fails a count mismatch naming both counts, and the bound when the reference exceeds it', () => {
    const fewer = evaluatePaddedOutput(reference([[0, 0, 3]]), padded([[0, 0, 3], [0, 1, 2]], 4), padding, FP16_GATE);
    expect(fewer).toMatchObject({ pass: false, gate: { kind: 'exact' }, reason: '2 valid rows in the package, 1 in the reference' });
    const beyond = evaluatePaddedOutput(reference([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 3], [0, 0, 4]]), padded([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 3]], 4), padding, FP16_GATE);
    expect(beyond.reason).toBe('4 valid rows in the package, 5 in the reference; the package holds at most 4 (--max-detections)');
  });

  it('fails a row that is not padding after the padding began', () => {
    const data = Int32Array.from([0, 0, 3, -1, -1, -1, 0, 1, 2, -1, -1, -1]);
    const v = evaluatePaddedOutput(reference([[0, 0, 3], [0, 1, 2]]), makeTensor('int32', [4, 3], data), padding, FP16_GATE);
    expect(v).toMatchObject({ pass: false, reason: 'row 2 follows the padding (-1) after 1 valid rows but is not padding' });
  });
});
