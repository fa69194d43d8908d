import { describe, expect, it } from 'vitest';
import { generateInputs } from '../../src/reference/seeded-inputs.js';
import { float16ArrayToFloat32 } from '../../src/tensor/fp16.js';

describe('generateInputs', () => {
  const specs = [
    { name: 'image', dtype: 'float32' as const, shape: [1, 3, 16, 16] },
    { name: 'ids', dtype: 'int64' as const, shape: [2, 5] },
    { name: 'mask', dtype: 'bool' as const, shape: [64] },
  ];

  it('returns the same values for the same seed', () => {
    expect(generateInputs(specs, 7)).toEqual(generateInputs(specs, 7));
  });

  it('returns different values for different seeds', () => {
    expect(generateInputs(specs, 7)['image']!.data).not.toEqual(generateInputs(specs, 8)['image']!.data);
  });

  it("keeps an input's values when other inputs are added or reordered", () => {
    const alone = generateInputs([specs[0]!], 3)['image']!.data;
    expect(generateInputs([specs[2]!, specs[1]!, specs[0]!], 3)['image']!.data).toEqual(alone);
  });

  it('draws floats with roughly zero mean and unit deviation', () => {
    const data = generateInputs([{ name: 'x', dtype: 'float32', shape: [20000] }], 1)['x']!.data as Float32Array;
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    const variance = data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.05);
    expect(data.every(Number.isFinite)).toBe(true);
  });

  it('draws small non-negative integers, bools as 0/1, and fp16 as bit patterns', () => {
    const out = generateInputs(
      [...specs, { name: 'half', dtype: 'float16', shape: [100] }, { name: 'n', dtype: 'int32', shape: [500] }],
      5,
    );
    const ids = Array.from(out['ids']!.data as BigInt64Array);
    expect(ids.every((v) => v >= 0n && v < 10n)).toBe(true);
    expect(out['ids']!.shape).toEqual([2, 5]);
    const n = Array.from(out['n']!.data as Int32Array);
    expect(new Set(n).size).toBe(10);
    expect(Array.from(out['mask']!.data as Uint8Array).every((v) => v === 0 || v === 1)).toBe(true);
    const half = float16ArrayToFloat32(out['half']!.data as Uint16Array);
    expect(half.every((v) => Number.isFinite(v) && Math.abs(v) < 10)).toBe(true);
  });

  it('refuses shapes that are not static', () => {
    expect(() => generateInputs([{ name: 'x', dtype: 'float32', shape: [-1, 3] }], 0)).toThrow(/input "x".*not static/);
  });
});
