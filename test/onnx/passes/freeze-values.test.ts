import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src/cli/args.js';
import { freezeValuesFor } from '../../../src/onnx/passes/freeze.js';
import { toNumberList } from '../../../src/tensor/tensor.js';
import { model, valueInfo } from '../../helpers/onnx-graph.js';

const m = model({
  nodes: [],
  inputs: [valueInfo('sr', 'int64', []), valueInfo('gains', 'float32', ['n']), valueInfo('grid', 'int32', [2, 2])],
  outputs: [],
});
m.graph.inputs.push({ name: 'loose', dtype: 'float32' });

describe('freezeValuesFor', () => {
  it('types each value like the model input and fits the declared shape', () => {
    const frozen = freezeValuesFor(m, { sr: [16000], gains: [0.5, 1, 2], grid: [1, 2, 3, 4], loose: [7] });
    expect(frozen.sr!.dtype).toBe('int64');
    expect(frozen.sr!.shape).toEqual([]);
    expect(toNumberList(frozen.sr!)).toEqual([16000]);
    expect(frozen.gains!.shape).toEqual([3]);
    expect(frozen.grid!.shape).toEqual([2, 2]);
    expect(frozen.loose!.shape).toEqual([]);
  });

  it('refuses unknown inputs, values that do not fill the shape, and fractions for integer inputs', () => {
    expect(() => freezeValuesFor(m, { rate: [1] })).toThrow(/no input of that name.*sr, gains/);
    expect(() => freezeValuesFor(m, { grid: [1, 2, 3] })).toThrow(/do not fill its shape \[2, 2\]/);
    expect(() => freezeValuesFor(m, { sr: [16000.5] })).toThrow(/must be integers/);
  });
});

describe('convert --freeze', () => {
  it('parses repeated NAME=VALUE options with comma lists', () => {
    const r = parseCommandLine(['convert', 'm.onnx', '--freeze', 'sr=16000', '--freeze', 'gains=0.5, 1,2']);
    expect(r.command === 'convert' && r.freeze).toEqual({ sr: [16000], gains: [0.5, 1, 2] });
  });

  it('rejects malformed values with a usage error', () => {
    for (const bad of ['sr', '=3', 'sr=', 'sr=1,,2', 'sr=abc']) {
      expect(() => parseCommandLine(['convert', 'm.onnx', '--freeze', bad])).toThrow(/--freeze takes NAME=VALUE/);
    }
    expect(() => parseCommandLine(['convert', 'm.onnx', '--freeze', 'a=1', '--freeze', 'a=2'])).toThrow(/twice/);
  });
});
