import { describe, expect, it } from 'vitest';
import { isOnDemand, onDemandTensor, originOf, releaseOnDemand } from '../../src/tensor/on-demand.js';
import { makeTensor } from '../../src/tensor/tensor.js';

/** A tensor made on demand from 0, 1, 2, ... that counts how often it was loaded. */
function counted(n: number) {
  let loads = 0;
  const tensor = onDemandTensor('float32', [n], () => {
    loads++;
    return Float32Array.from({ length: n }, (_, i) => i);
  });
  return { tensor, loads: () => loads };
}

describe('on-demand tensors', () => {
  it('load nothing until their data is read, then keep it', () => {
    const { tensor, loads } = counted(4);
    expect(loads()).toBe(0);
    expect([...(tensor.data as Float32Array)]).toEqual([0, 1, 2, 3]);
    expect(tensor.data).toBe(tensor.data);
    expect(loads()).toBe(1);
  });

  it('load again after a release, with the same values', () => {
    const { tensor, loads } = counted(3);
    const first = tensor.data;
    releaseOnDemand(tensor);
    expect(tensor.data).not.toBe(first);
    expect([...(tensor.data as Float32Array)]).toEqual([...(first as Float32Array)]);
    expect(loads()).toBe(2);
  });

  it('look like ordinary tensors to spread and structuredClone', () => {
    const { tensor } = counted(2);
    expect({ ...tensor }).toEqual(makeTensor('float32', [2], Float32Array.from([0, 1])));
    expect(structuredClone(tensor)).toEqual(makeTensor('float32', [2], Float32Array.from([0, 1])));
  });

  it('are told apart from ordinary tensors, whose release does nothing', () => {
    const plain = makeTensor('float32', [1], Float32Array.from([5]));
    releaseOnDemand(plain);
    expect(plain.data[0]).toBe(5);
    expect(isOnDemand(plain)).toBe(false);
    expect(isOnDemand(counted(1).tensor)).toBe(true);
  });

  it('name the source they are a one-to-one function of', () => {
    const source = makeTensor('float32', [2], Float32Array.from([1, 2]));
    const made = onDemandTensor('float32', [2], () => Float32Array.from([2, 1]), { of: source, by: 'reverse' });
    expect(originOf(made)).toEqual({ of: source, by: 'reverse' });
    expect(originOf(counted(1).tensor)).toBeUndefined();
  });
});
