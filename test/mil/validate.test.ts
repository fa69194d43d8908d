import { describe, expect, it } from 'vitest';
import { milConst } from '../../src/mil/builder.js';
import { mainFunction, type MilOperation } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { buildProgram } from './passes/helpers.js';

function addOp(name: string, x: string, y: string, out: string): MilOperation {
  return {
    type: 'add', name,
    inputs: { x: [{ kind: 'name', name: x }], y: [{ kind: 'name', name: y }] },
    outputs: [{ name: out, type: { dtype: 'float32', shape: [2] } }],
    attributes: {}, blocks: [],
  };
}

const simple = () =>
  buildProgram('iOS15', (b) => {
    const x = b.addInput('x', { dtype: 'float32', shape: [2] });
    return [b.op1('relu', { x }, { name: 'y' })];
  });

describe('validateProgram', () => {
  it('accepts a program the builder made', () => {
    expect(validateProgram(simple())).toEqual([]);
  });

  it('reports names outside the identifier grammar and reserved words', () => {
    const program = simple();
    const fn = mainFunction(program);
    fn.block.operations[0]!.outputs[0]!.name = 'tensor';
    fn.block.outputs = ['tensor'];
    fn.inputs[0]!.name = '1x';
    const problems = validateProgram(program).join('\n');
    expect(problems).toContain('"tensor" is not a valid MIL identifier');
    expect(problems).toContain('"1x" is not a valid MIL identifier');
  });

  it('reports duplicate names, reads before definition and undefined outputs', () => {
    const program = simple();
    const fn = mainFunction(program);
    fn.block.operations.unshift(addOp('a', 'x', 'later', 'x'));
    fn.block.outputs.push('nowhere');
    const problems = validateProgram(program).join('\n');
    expect(problems).toContain('"x" is defined more than once');
    expect(problems).toContain('reads "later" before it is defined');
    expect(problems).toContain('block output "nowhere" is not defined');
  });

  it('reports non-const values of rank above 5', () => {
    const program = buildProgram('iOS15', (b) => [b.addInput('x', { dtype: 'float32', shape: [1, 1, 1, 1, 1, 1] })]);
    expect(validateProgram(program).join('\n')).toContain('rank 6');
  });

  it('reports const-only parameters bound to computed values', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      return [b.op1('leaky_relu', { x, alpha: milConst.float(0.1) })];
    });
    const fn = mainFunction(program);
    const leaky = fn.block.operations.find((o) => o.type === 'leaky_relu')!;
    leaky.inputs['alpha'] = [{ kind: 'name', name: 'x' }];
    expect(validateProgram(program).join('\n')).toContain('parameter "alpha" must be a constant but reads "x"');
  });

  it('reports ops missing from the opset and unknown or missing parameters', () => {
    const program = simple();
    const fn = mainFunction(program);
    fn.block.operations.push({ ...addOp('b', 'x', 'x', 'z'), type: 'constexpr_blockwise_shift_scale' });
    const relu = fn.block.operations[0]!;
    relu.inputs = { y: [{ kind: 'name', name: 'x' }] };
    const problems = validateProgram(program).join('\n');
    expect(problems).toContain('does not exist in opset');
    expect(problems).toContain('no parameter "y"');
    expect(problems).toContain('required parameter "x" is missing');
  });

  it('reports dtypes outside a parameter domain and mixed dtypes within one domain', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const i = b.addInput('i', { dtype: 'int32', shape: [2] });
      const s = b.op1('add', { x, y: x }, { name: 's' });
      const r = b.op1('sqrt', { x }, { name: 'r' });
      return [s, r, i];
    });
    const ops = mainFunction(program).block.operations;
    ops.find((o) => o.type === 'add')!.inputs['y'] = [{ kind: 'name', name: 'i' }];
    ops.find((o) => o.type === 'sqrt')!.inputs['x'] = [{ kind: 'name', name: 'i' }];
    const problems = validateProgram(program).join('\n');
    expect(problems).toContain('y is int32 but another T parameter is float32');
    expect(problems).toContain('x has dtype int32, allowed: float16, float32');
  });

  it('reports output types that disagree with the type rule', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2, 3] });
      return [b.op1('relu', { x }, { name: 'y' })];
    });
    mainFunction(program).block.operations[0]!.outputs[0]!.type = { dtype: 'float16', shape: [2, 4] };
    expect(validateProgram(program).join('\n')).toContain(
      'output "y" is declared tensor<fp16, [2, 4]> but the op gives tensor<fp32, [2, 3]>',
    );
  });

  it('checks constexpr ops that keep their parameters as attributes', () => {
    const program = buildProgram('iOS16', (b) => {
      const w = b.op1('constexpr_cast', { source_val: makeTensor('float16', [3], new Uint16Array(3)), output_dtype: milConst.str('fp32') });
      return [b.op1('relu', { x: w })];
    });
    expect(validateProgram(program)).toEqual([]);
  });
});
