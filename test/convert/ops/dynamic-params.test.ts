import { describe, expect, it } from 'vitest';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareTypedWithOrt, floatInput, int64Input } from './ort-typed.js';

const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function expectOrtParity(...args: Parameters<typeof compareTypedWithOrt>): Promise<void> {
  const verdicts = await compareTypedWithOrt(...args);
  for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

describe('Reshape with a run-time target', () => {
  const n = node('Reshape', ['x', 's'], ['y']);

  it('passes a target as long as the input rank straight through: Core ML copies 0 entries positionally then', () => {
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [2, 3, 4]), valueInfo('s', 'int64', [3])], outputs: [valueInfo('y', 'float32', [null, null, null])], opset: 14 });
    expect(r.types.filter((t) => t !== 'cast')).toEqual(['reshape']);
  });

  it('replaces 0 entries with the input dims at run time, as ONNX reads them', async () => {
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [2, 3, 4]), valueInfo('s', 'int64', [4])], outputs: [valueInfo('y', 'float32', [null, null, null, null])], opset: 14 });
    expect(r.types.slice(-3)).toEqual(['equal', 'select', 'reshape']);
    expect(r.param(r.ops.find((o) => o.type === 'select')!, 'a')).toEqual([2, 3, 4, 1]);
    for (const target of [[2, 0, 1, -1], [0, 0, 4, 1], [-1, 0, 2, 2]]) {
      await expectOrtParity(n, { x: floatInput([2, 3, 4], seq(24)), s: int64Input([4], target) }, ['float32'], { opset: 14 });
    }
  });

  it('refuses allowzero=1, whose 0 entries Core ML would copy instead', () => {
    expect(() => convertOne(node('Reshape', ['x', 's'], ['y'], { allowzero: 1 }), {
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('s', 'int64', [2])], outputs: [valueInfo('y', 'float32', [null, null])], opset: 14,
    })).toThrow(/allowzero=1 with a run-time target/);
  });
});
