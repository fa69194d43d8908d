import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, familyIndex, mergeFamilyTables } from '../src/tables.js';

describe('mergeFamilyTables', () => {
  it('holds every family entry under its key', () => {
    const merged = mergeFamilyTables('op', { a: { Relu: 1, Tanh: 2 }, b: { Conv: 3 } });
    expect({ ...merged }).toEqual({ Relu: 1, Tanh: 2, Conv: 3 });
  });

  it('throws on a key two families define, naming the key and both families', () => {
    expect(() => mergeFamilyTables('converter for ONNX op', { shape: { Slice: 1 }, indexing: { Slice: 2 } })).toThrow(
      new DuplicateKeyError('converter for ONNX op', 'Slice', 'shape', 'indexing'),
    );
    expect(() => mergeFamilyTables('op', { shape: { Slice: 1 }, indexing: { Slice: 2 } })).toThrow(/"Slice" is defined twice: by family shape and by family indexing/);
  });

  it('finds nothing for Object prototype names a model could use as op types', () => {
    const merged = mergeFamilyTables('op', { a: { Relu: 1 } });
    expect(merged['constructor']).toBeUndefined();
    expect(merged['toString']).toBeUndefined();
    expect(merged['__proto__']).toBeUndefined();
  });
});

describe('familyIndex', () => {
  it('maps each key to the family that defines it', () => {
    expect([...familyIndex('op', { pad: { Pad: 0 }, resample: { Resize: 0, Upsample: 0 } })]).toEqual([
      ['Pad', 'pad'], ['Resize', 'resample'], ['Upsample', 'resample'],
    ]);
  });
});
