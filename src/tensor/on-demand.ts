import type { DType, DTypeStorage } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Tensors whose data is read only when something asks for it: the weights of
 * a package read from disk for one verdict. A reader that runs the program
 * once hands each weight back (`releaseOnDemand`) after its last use, so the
 * run holds one layer's weights at a time instead of the whole weight file.
 *
 * To every other reader such a tensor is an ordinary one: `data` is an own,
 * enumerable property (spread and structuredClone copy the values), loaded on
 * first access and kept until released; after a release the next access reads
 * it again, so nothing is ever wrong, only slower.
 */

/** How a reader of a model file holds its weights: all read at once, or each read when first used. */
export type WeightReading = 'whole' | 'on-demand';

const releasers = new WeakMap<Tensor, () => void>();

/**
 * What an on-demand tensor is made from, when it is a one-to-one function
 * (`by`, such as a transpose) of another tensor (`of`): two such tensors made
 * by the same function are equal exactly when their sources are, which a
 * reader can tell without loading either.
 */
export interface TensorOrigin {
  of: Tensor;
  by: string;
}

const origins = new WeakMap<Tensor, TensorOrigin>();

/** A tensor of `dtype` and `shape` whose data `load` makes when it is first read. */
export function onDemandTensor<D extends DType>(dtype: D, shape: readonly number[], load: () => DTypeStorage[D], origin?: TensorOrigin): Tensor<D> {
  let data: DTypeStorage[D] | undefined;
  const tensor = { dtype, shape: [...shape] } as { dtype: D; shape: number[]; data: DTypeStorage[D] };
  Object.defineProperty(tensor, 'data', {
    enumerable: true,
    get: () => (data ??= load()),
  });
  releasers.set(tensor, () => {
    data = undefined;
  });
  if (origin) origins.set(tensor, origin);
  return tensor;
}

/** The source an on-demand tensor is a one-to-one function of, if it is one. */
export function originOf(tensor: Tensor): TensorOrigin | undefined {
  return origins.get(tensor);
}

/** Whether `tensor` loads its data on demand. */
export function isOnDemand(tensor: Tensor): boolean {
  return releasers.has(tensor);
}

/** Lets go of an on-demand tensor's loaded data (a no-op for any other tensor). */
export function releaseOnDemand(tensor: Tensor): void {
  releasers.get(tensor)?.();
}
