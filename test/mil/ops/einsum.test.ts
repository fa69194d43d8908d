import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import type { MilTensorType } from '../../../src/mil/ir.js';

/** einsum's output type, on the equations and shapes of Apple's iOS14/test_linear.py TestEinsum. */

const f32 = (shape: (number | null)[]): MilTensorType => ({ dtype: 'float32', shape });

function einsumType(equation: string, x: MilTensorType, y: MilTensorType): MilTensorType {
  const b = new MilBuilder('iOS15');
  const values = [b.addInput('x', x), b.addInput('y', y)];
  return b.typeOf(b.op1('einsum', { values, equation: milConst.str(equation) }));
}

describe('einsum', () => {
  it('rank 4 "abcd,adce->abce": [2, 1, 3, 2] and [2, 2, 3, 4] give [2, 1, 3, 4]', () => {
    expect(einsumType('abcd,adce->abce', f32([2, 1, 3, 2]), f32([2, 2, 3, 4]))).toEqual(f32([2, 1, 3, 4]));
  });

  it('broadcasts a size-1 axis −2 or −4 of either operand', () => {
    expect(einsumType('abcd,adce->abce', f32([1, 5, 7, 3]), f32([4, 3, 1, 6]))).toEqual(f32([4, 5, 7, 6]));
  });

  it('rank 3 "vnm,mno->vno" in any letters: [4, 3, 2] and [2, 3, 5] give [4, 3, 5]; an unknown size stays unknown', () => {
    expect(einsumType('vnm,mno->vno', f32([4, 3, 2]), f32([2, 3, 5]))).toEqual(f32([4, 3, 5]));
    expect(einsumType('chw,whu->chu', f32([null, 3, 2]), f32([2, 1, null]))).toEqual(f32([null, 3, null]));
  });

  it('refuses the equations Core ML does not implement, mixed ranks and contracted sizes that differ', () => {
    expect(() => einsumType('ij,ij->', f32([2, 2]), f32([2, 2]))).toThrow(/unsupported equation/);
    expect(() => einsumType('abcd,abde->abce', f32([1, 2, 3, 4]), f32([1, 2, 4, 5]))).toThrow(/unsupported equation/);
    expect(() => einsumType('vnm,mno->vno', f32([4, 3, 2]), f32([1, 2, 3, 5]))).toThrow(/ranks 3 and 4/);
    expect(() => einsumType('vnm,mno->vno', f32([4, 3, 2]), f32([5, 3, 5]))).toThrow(/contracted sizes 2 and 5/);
  });
});
