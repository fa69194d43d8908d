import { describe, expect, it } from 'vitest';
import { milConst } from '../../src/mil/builder.js';
import { printProgram, printTensor, printType } from '../../src/mil/print.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { buildProgram } from './passes/helpers.js';

describe('printProgram', () => {
  it('renders functions, typed ops, parameters and outputs in MIL text form', () => {
    const program = buildProgram('iOS16', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [1, null] });
      return [b.op1('add', { x, y: milConst.float(2) }, { name: 'y' })];
    });
    const text = printProgram(program);
    expect(text).toContain('func main<coreml6>(tensor<fp32, [1, ?]> x) {');
    expect(text).toContain('tensor<fp32, []> y_y = const()[name = "y_y", val = tensor<fp32, []>(2)];');
    expect(text).toContain('tensor<fp32, [1, ?]> y = add(x = x, y = y_y)[name = "y"];');
    expect(text).toContain('} -> (y);');
  });
});

describe('printType', () => {
  it('prints lists with their element type and length, and dictionaries with key and value types', () => {
    expect(printType({ dtype: 'float32', shape: [null], collection: { kind: 'list', elementShape: [2, 3] } })).toBe('list<tensor<fp32, [2, 3]>, ?>');
    expect(printType({ dtype: 'string', shape: [4], collection: { kind: 'list' } })).toBe('list<tensor<string, []>, 4>');
    expect(printType({ dtype: 'float64', shape: [null], collection: { kind: 'dictionary', keyDType: 'string' } })).toBe('dict<string, fp64>');
  });
});

describe('printTensor', () => {
  it('prints small tensors by value and large ones as a count', () => {
    expect(printTensor(makeTensor('float16', [2], Uint16Array.from([0x3c00, 0xc000])))).toBe('tensor<fp16, [2]>([1, -2])');
    expect(printTensor(makeTensor('int32', [100], new Int32Array(100)))).toBe('tensor<int32, [100]>(<100 values>)');
    expect(printTensor(milConst.str('fp16'))).toBe('tensor<string, []>("fp16")');
  });
});
