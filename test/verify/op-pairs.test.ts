import { describe, expect, it } from 'vitest';
import { applyFp16ComputePrecision } from '../../src/mil/passes/fp16.js';
import { mainFunction, type MilOperation, type MilProgram } from '../../src/mil/ir.js';
import { pairOperations } from '../../src/verify/op-pairs.js';
import { f32, op, program, str, v } from '../runtime/build.js';

/** x → conv-like chain: mul by a constant, add a constant, relu; every op records its ONNX node. */
function chain(): MilProgram {
  const withSource = (o: MilOperation, node: string): MilOperation => ({ ...o, source: { node, opType: node.split('_')[0]! } });
  return program(
    [v('x', 'float32', [4])],
    [
      withSource(op('mul', { x: 'x', y: f32([4], [1, 2, 3, 4]) }, [v('scaled', 'float32', [4])]), 'Mul_0'),
      withSource(op('add', { x: 'scaled', y: f32([4], [0.5, 0.5, 0.5, 0.5]) }, [v('shifted', 'float32', [4])]), 'Add_0'),
      withSource(op('relu', { x: 'shifted' }, [v('y', 'float32', [4])]), 'Relu_0'),
    ],
    ['y'],
  );
}

const pairsOf = (fp32: MilProgram, variant: MilProgram) =>
  pairOperations(mainFunction(fp32), mainFunction(variant)).map((p) => [p.variant.type, p.outputs.map((o) => `${o.variantName}→${o.fp32Name}`).join(',')]);

describe('pairing a variant op with its fp32 op', () => {
  it('sees through the fp16 pass: casts are skipped and x_cast_fp16 pairs with x', () => {
    const fp16 = chain();
    applyFp16ComputePrecision(fp16);
    expect(mainFunction(fp16).block.operations.some((o) => o.type === 'cast')).toBe(true);
    expect(pairsOf(chain(), fp16)).toEqual([
      ['mul', 'scaled_cast_fp16→scaled'],
      ['add', 'shifted_cast_fp16→shifted'],
      ['relu', 'y_cast_fp16→y'],
    ]);
  });

  it('pairs by ONNX node when the names share nothing', () => {
    const renamed = chain();
    for (const o of mainFunction(renamed).block.operations) o.outputs = o.outputs.map((out) => ({ ...out, name: `${out.name}_other` }));
    expect(pairsOf(chain(), renamed).map(([type, names]) => [type, names])).toEqual([
      ['mul', 'scaled_other→scaled'],
      ['add', 'shifted_other→shifted'],
      ['relu', 'y_other→y'],
    ]);
  });

  it('pairs a fused op with the op whose result it took over, never with its own node\'s fp32 op', () => {
    // The variant folded the add into the mul: its mul now produces "shifted", the same value.
    const fused = program(
      [v('x', 'float32', [4])],
      [
        { ...op('mul', { x: 'x', y: f32([4], [1, 2, 3, 4]) }, [v('shifted', 'float32', [4])]), source: { node: 'Mul_0', opType: 'Mul' } },
        { ...op('relu', { x: 'shifted' }, [v('y', 'float32', [4])]), source: { node: 'Relu_0', opType: 'Relu' } },
      ],
      ['y'],
    );
    expect(pairsOf(chain(), fused)).toEqual([['mul', 'shifted→shifted'], ['relu', 'y→y']]);
  });

  it('leaves constants and casts unpaired', () => {
    const withCast = program(
      [v('x', 'float32', [4])],
      [
        op('const', {}, [v('dtype', 'string', [])], { val: str('fp16') }),
        op('cast', { x: 'x', dtype: 'dtype' }, [v('scaled', 'float16', [4])]),
      ],
      ['scaled'],
    );
    expect(pairsOf(chain(), withCast)).toEqual([]);
  });
});
