import { describe, expect, it } from 'vitest';
import { milConst } from '../../../src/mil/builder.js';
import { mainFunction, type MilOperation } from '../../../src/mil/ir.js';
import { applyFp16ComputePrecision, toFloat16Tensor } from '../../../src/mil/passes/fp16.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { printProgram } from '../../../src/mil/print.js';
import { float16BitsToFloat32 } from '../../../src/tensor/fp16.js';
import { onDemandTensor } from '../../../src/tensor/on-demand.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { buildProgram, opsOf } from './helpers.js';

const byType = (ops: MilOperation[], type: string) => ops.filter((o) => o.type === type);
const castTarget = (ops: MilOperation[], cast: MilOperation): string => {
  const dtypeVar = (cast.inputs['dtype']![0] as { name: string }).name;
  const c = ops.find((o) => o.outputs[0]?.name === dtypeVar)!;
  return (c.attributes['val']!.data as string[])[0]!;
};

function twoOpProgram() {
  return buildProgram('iOS15', (b) => {
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 4] });
    const a = b.op1('add', { x, y: milConst.floats([1, 2, 3, 4]) });
    const m = b.op1('mul', { x, y: a });
    return [b.op1('relu', { x: m }, { name: 'out' })];
  });
}

describe('applyFp16ComputePrecision', () => {
  it('casts each fp32 input to fp16 once, even when several ops read it', () => {
    const program = twoOpProgram();
    applyFp16ComputePrecision(program);
    const ops = opsOf(program);
    const toHalf = byType(ops, 'cast').filter((c) => castTarget(ops, c) === 'fp16');
    expect(toHalf).toHaveLength(1);
    expect(toHalf[0]!.inputs['x']).toEqual([{ kind: 'name', name: 'x' }]);
    expect(toHalf[0]!.outputs[0]!.name).toBe('x_to_fp16');
    expect(validateProgram(program)).toEqual([]);
  });

  it('computes every op in fp16 with fp16 constants', () => {
    const program = twoOpProgram();
    applyFp16ComputePrecision(program);
    const ops = opsOf(program);
    for (const op of ops.filter((o) => ['add', 'mul', 'relu'].includes(o.type))) {
      expect(op.outputs[0]!.type.dtype, printProgram(program)).toBe('float16');
    }
    const floatConsts = byType(ops, 'const').filter((o) => o.outputs[0]!.type.dtype.startsWith('float'));
    expect(floatConsts.map((c) => c.outputs[0]!.type.dtype)).toEqual(['float16']);
    const half = floatConsts[0]!.attributes['val']!.data as Uint16Array;
    expect([...half].map(float16BitsToFloat32)).toEqual([1, 2, 3, 4]);
  });

  it('ends each fp32 output with a cast to fp32 whose output carries the output name', () => {
    const program = twoOpProgram();
    applyFp16ComputePrecision(program);
    const fn = mainFunction(program);
    expect(fn.block.outputs).toEqual(['out']);
    const ops = opsOf(program);
    const last = ops.find((o) => o.outputs[0]?.name === 'out')!;
    expect(last.type).toBe('cast');
    expect(castTarget(ops, last)).toBe('fp32');
    expect(last.outputs[0]!.type).toEqual({ dtype: 'float32', shape: [1, 4] });
    expect(fn.inputs[0]!.type.dtype).toBe('float32');
  });

  it('saturates finite constants beyond ±65504 and says how many', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [3] });
      return [b.op1('add', { x, y: milConst.floats([1e6, -3.4e38, 1]) })];
    });
    const { warnings } = applyFp16ComputePrecision(program);
    expect(warnings.join('\n')).toMatch(/2 value\(s\) beyond the fp16 range saturated/);
    const c = byType(opsOf(program), 'const').find((o) => o.outputs[0]!.type.dtype === 'float16')!;
    expect([...(c.attributes['val']!.data as Uint16Array)].map(float16BitsToFloat32)).toEqual([65504, -65504, 1]);
  });

  it('can keep an op in fp32 when a constant overflows, like coremltools', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [1] });
      return [b.op1('add', { x, y: milConst.floats([1e6]) }, { name: 'y' })];
    });
    applyFp16ComputePrecision(program, { keepOverflowingOpsInFp32: true });
    const add = byType(opsOf(program), 'add')[0]!;
    expect(add.outputs[0]!.type.dtype).toBe('float32');
    expect(byType(opsOf(program), 'cast')).toHaveLength(0);
  });

  it('leaves int32 and bool values alone', () => {
    const program = buildProgram('iOS15', (b) => {
      const i = b.addInput('i', { dtype: 'int32', shape: [2] });
      const s = b.op1('add', { x: i, y: makeTensor('int32', [], new Int32Array([1])) });
      return [b.op1('less', { x: s, y: makeTensor('int32', [], new Int32Array([3])) }, { name: 'flag' })];
    });
    applyFp16ComputePrecision(program);
    expect(byType(opsOf(program), 'cast')).toHaveLength(0);
    expect(mainFunction(program).block.outputs).toEqual(['flag']);
  });

  it('keeps iOS17 activation alphas in fp32 but casts them before iOS17', () => {
    const build = (target: 'iOS16' | 'iOS17') =>
      buildProgram(target, (b) => {
        const x = b.addInput('x', { dtype: 'float32', shape: [2] });
        return [b.op1('leaky_relu', { x, alpha: milConst.float(0.1) }, { name: 'y' })];
      });
    const ios17 = build('iOS17');
    applyFp16ComputePrecision(ios17);
    const alpha17 = opsOf(ios17).find((o) => o.type === 'leaky_relu')!.inputs['alpha']![0] as { name: string };
    expect(opsOf(ios17).find((o) => o.outputs[0]?.name === alpha17.name)!.outputs[0]!.type.dtype).toBe('float32');
    expect(validateProgram(ios17)).toEqual([]);
    const ios16 = build('iOS16');
    applyFp16ComputePrecision(ios16);
    const alpha16 = opsOf(ios16).find((o) => o.type === 'leaky_relu')!.inputs['alpha']![0] as { name: string };
    expect(opsOf(ios16).find((o) => o.outputs[0]?.name === alpha16.name)!.outputs[0]!.type.dtype).toBe('float16');
  });

  it('feeds fp32 to an op it skips by casting back from the fp16 producer', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const r = b.op1('relu', { x });
      return [b.op1('cast', { x: r, dtype: milConst.str('int32') }, { name: 'n' })];
    });
    applyFp16ComputePrecision(program);
    const ops = opsOf(program);
    const userCast = ops.find((o) => o.outputs[0]?.name === 'n')!;
    const source = (userCast.inputs['x']![0] as { name: string }).name;
    expect(ops.find((o) => o.outputs[0]?.name === source)!.outputs[0]!.type.dtype).toBe('float32');
    expect(validateProgram(program)).toEqual([]);
  });
});

describe('applyFp16ComputePrecision on weights made on demand', () => {
  it('casts such a weight and lets go of its fp32 data', () => {
    let loads = 0;
    const weight = onDemandTensor('float32', [4, 3], () => (loads++, Float32Array.from({ length: 12 }, (_, i) => i / 2)));
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [1, 3] });
      return [b.op1('linear', { x, weight })];
    });
    applyFp16ComputePrecision(program);
    const linear = opsOf(program).find((o) => o.type === 'linear')!;
    const half = opsOf(program).find((o) => o.outputs[0]!.name === (linear.inputs['weight']![0] as { name: string }).name)!.attributes['val']!;
    expect(half.dtype).toBe('float16');
    expect([...(half.data as Uint16Array)].map(float16BitsToFloat32)).toEqual(Array.from({ length: 12 }, (_, i) => i / 2));
    expect(loads).toBe(1);
    void weight.data;
    expect(loads).toBe(2);
  });
});

describe('applyFp16ComputePrecision in nested blocks', () => {
  it('rewrites ops inside cond branches and returns fp32 from each branch under its own name', () => {
    const program = buildProgram('iOS15', (b) => {
      b.addInput('x', { dtype: 'float32', shape: [2] });
      return [b.addInput('pred', { dtype: 'bool', shape: [] })];
    });
    const fn = mainFunction(program);
    const branch = (op: string, out: string) => ({
      inputs: [],
      operations: [{
        type: op, name: out, inputs: { x: [{ kind: 'name' as const, name: 'x' }] },
        outputs: [{ name: out, type: { dtype: 'float32' as const, shape: [2] } }], attributes: {}, blocks: [],
      }],
      outputs: [out],
    });
    fn.block.operations.push({
      type: 'cond', name: 'c', inputs: { pred: [{ kind: 'name', name: 'pred' }] },
      outputs: [{ name: 'c', type: { dtype: 'float32', shape: [2] } }], attributes: {},
      blocks: [branch('relu', 'r0'), branch('exp', 'r1')],
    });
    fn.block.outputs = ['c'];
    applyFp16ComputePrecision(program);
    const cond = fn.block.operations.find((o) => o.type === 'cond')!;
    expect(cond.outputs[0]!.type.dtype).toBe('float32');
    cond.blocks.forEach((block, i) => {
      const types = block.operations.map((o) => o.type);
      expect(types).toEqual(['cast', i === 0 ? 'relu' : 'exp', 'cast']);
      expect(block.operations[1]!.outputs[0]!.type.dtype).toBe('float16');
      expect(block.outputs).toEqual([i === 0 ? 'r0' : 'r1']);
      expect(block.operations[2]!.outputs[0]).toEqual({ name: block.outputs[0], type: { dtype: 'float32', shape: [2] } });
    });
  });
});

describe('toFloat16Tensor', () => {
  it('turns tiny non-zero values in small arrays into the smallest subnormal of their sign', () => {
    const { tensor } = toFloat16Tensor(makeTensor('float32', [3], Float32Array.from([1e-10, -1e-10, 0])));
    expect([...(tensor.data as Uint16Array)]).toEqual([0x0001, 0x8001, 0]);
  });

  it('lets tiny values flush to zero in arrays of 400 or more elements', () => {
    const { tensor } = toFloat16Tensor(makeTensor('float32', [400], new Float32Array(400).fill(1e-10)));
    expect((tensor.data as Uint16Array)[0]).toBe(0);
  });

  it('keeps genuine infinities and NaN', () => {
    const { tensor, saturated } = toFloat16Tensor(makeTensor('float32', [2], Float32Array.from([Infinity, NaN])));
    expect(saturated).toBe(0);
    const d = tensor.data as Uint16Array;
    expect(d[0]).toBe(0x7c00);
    expect(Number.isNaN(float16BitsToFloat32(d[1]!))).toBe(true);
  });
});
