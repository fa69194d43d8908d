import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';

function pool(op: string, args: Record<string, ReturnType<typeof milConst.str>>, shape = [1, 3, 7, 7]) {
  const b = new MilBuilder('iOS15');
  const x = b.addInput('x', { dtype: 'float32', shape });
  return b.typeOf(b.op1(op, { x, ...args })).shape;
}

describe('MIL pooling ops', () => {
  it('requires pad_type', () => {
    expect(() => pool('max_pool', { kernel_sizes: milConst.ints([2, 2]) })).toThrow(/pad_type/);
  });

  it('floors the window count by default and ceils it with ceil_mode', () => {
    const base = { kernel_sizes: milConst.ints([2, 2]), strides: milConst.ints([2, 2]), pad_type: milConst.str('valid') };
    expect(pool('max_pool', base)).toEqual([1, 3, 3, 3]);
    expect(pool('max_pool', { ...base, ceil_mode: milConst.bool(true) })).toEqual([1, 3, 4, 4]);
  });

  it('drops a last ceil_mode window that would start in the right padding', () => {
    // in 4, pad 1+1, k 2, s 2: ceil gives 4 windows, the 4th would start at 6 >= 4 + 1.
    const shape = pool('avg_pool', {
      kernel_sizes: milConst.ints([2]),
      strides: milConst.ints([2]),
      pad_type: milConst.str('custom'),
      pad: milConst.ints([1, 1]),
      ceil_mode: milConst.bool(true),
    }, [1, 1, 4]);
    expect(shape).toEqual([1, 1, 3]);
  });

  it('rejects ceil_mode with asymmetric pads', () => {
    expect(() =>
      pool('max_pool', {
        kernel_sizes: milConst.ints([3, 3]),
        pad_type: milConst.str('custom'),
        pad: milConst.ints([0, 1, 0, 1]),
        ceil_mode: milConst.bool(true),
      }),
    ).toThrow(/symmetric/);
  });

  it('accepts exclude_padding_from_average only on avg_pool', () => {
    const args = { kernel_sizes: milConst.ints([3, 3]), pad_type: milConst.str('same'), exclude_padding_from_average: milConst.bool(true) };
    expect(pool('avg_pool', args)).toEqual([1, 3, 7, 7]);
    expect(() => pool('max_pool', args)).toThrow(/exclude_padding_from_average/);
  });
});
