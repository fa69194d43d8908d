import { describe, expect, it } from 'vitest';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareTypedWithOrt, floatInput } from './ort-typed.js';

const seq = (n: number, seed = 3): number[] => Array.from({ length: n }, (_, i) => (((i + seed) * 37) % 17) / 8 - 1);

async function expectOrtParity(...args: Parameters<typeof compareTypedWithOrt>): Promise<void> {
  const verdicts = await compareTypedWithOrt(...args);
  for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

const einsum = (equation: string, inputs: string[]) => node('Einsum', inputs, ['y'], { equation });

describe('Einsum', () => {
  it('lowers a batched matmul to one matmul between reshapes', () => {
    const r = convertOne(einsum('bij,bjk->bik', ['x', 'w']), {
      inputs: [valueInfo('x', 'float32', [5, 2, 3]), valueInfo('w', 'float32', [5, 3, 4])], outputs: [valueInfo('y', 'float32', [5, 2, 4])], opset: 12,
    });
    expect(r.types.filter((t) => t !== 'reshape')).toEqual(['matmul']);
  });

  it('lowers a transpose to transpose and a row sum to reduce_sum', () => {
    const io = { inputs: [valueInfo('x', 'float32', [3, 4])], opset: 12 };
    expect(convertOne(einsum('ij->ji', ['x']), { ...io, outputs: [valueInfo('y', 'float32', [4, 3])] }).types).toEqual(['transpose']);
    expect(convertOne(einsum('ij->i', ['x']), { ...io, outputs: [valueInfo('y', 'float32', [3])] }).types).toEqual(['reduce_sum']);
  });

  const cases: [string, number[][]][] = [
    ['bij, bjk -> bik', [[5, 2, 3], [5, 3, 4]]],
    ['ij->ji', [[3, 4]]],
    ['ij->i', [[3, 4]]],
    ['i,i', [[5], [5]]],
    ['...ii ->...i', [[3, 5, 5]]],
    ['ij,jk', [[2, 3], [3, 4]]],
    ['bhqd,bhkd->bhqk', [[2, 3, 4, 5], [2, 3, 6, 5]]],
    ['i,j->ij', [[3], [4]]],
    ['ii', [[4, 4]]],
    ['abc,cd,de->ae', [[2, 3, 4], [4, 5], [5, 2]]],
  ];
  for (const [equation, shapes] of cases) {
    it(`matches onnxruntime on "${equation}"`, async () => {
      const names = shapes.map((_, i) => `x${i}`);
      const inputs = Object.fromEntries(shapes.map((s, i) => [names[i]!, floatInput(s, seq(s.reduce((a, b) => a * b, 1), i))]));
      await expectOrtParity(einsum(equation, names), inputs, ['float32'], { opset: 12 });
    });
  }

  it('refuses broadcasting between operands', () => {
    expect(() => convertOne(einsum('bij,bjk->bik', ['x', 'w']), {
      inputs: [valueInfo('x', 'float32', [1, 2, 3]), valueInfo('w', 'float32', [5, 3, 4])], outputs: [valueInfo('y', 'float32', [5, 2, 4])], opset: 12,
    })).toThrow(/broadcasting is not supported/);
  });
});

describe('Det', () => {
  for (const shape of [[2, 2], [3, 2, 2], [3, 3], [2, 4, 4], [1, 1]]) {
    it(`matches onnxruntime on [${shape.join(', ')}]`, async () => {
      await expectOrtParity(node('Det', ['x'], ['y']), { x: floatInput(shape, seq(shape.reduce((a, b) => a * b, 1))) }, ['float32'], { opset: 11 });
    });
  }

  it('refuses matrices larger than 4 × 4', () => {
    expect(() => convertOne(node('Det', ['x'], ['y']), { inputs: [valueInfo('x', 'float32', [5, 5])], outputs: [valueInfo('y', 'float32', [])], opset: 11 }))
      .toThrow(/limited to 4 × 4/);
  });
});
