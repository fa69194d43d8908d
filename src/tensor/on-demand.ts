import type { DType, DTypeStorage } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Tensors whose data is read only when something asks for it: the weights of
 * a model or package read from disk. A reader done with a weight hands it
 * back (`releaseOnDemand`), so a conversion or a run holds one layer's weights
 * at a time instead of the whole file.
 *
 * To every other reader such a tensor is an ordinary one: `data` is an own,
 * enumerable property (spread and structuredClone copy the values), loaded on
 * first access and kept until released; after a release the next access reads
 * it again, so nothing is ever wrong, only slower. Every such tensor has the
 * same shape of object and the same getter, so the code reading them stays as
 * fast as for plain tensors.
 */

/** How a reader of a model file holds its weights: all read at once, or each read when first used. */
export type WeightReading = 'whole' | 'on-demand';

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

interface Loading {
  load: () => Tensor['data'];
  data: Tensor['data'] | undefined;
  origin: TensorOrigin | undefined;
}

/** Where an on-demand tensor keeps its loader and loaded data: a non-enumerable key, invisible to copies. */
const LOADING = Symbol('on-demand loading');

type OnDemand = Tensor & { readonly [LOADING]: Loading };

function loadedData(this: OnDemand): Tensor['data'] {
  const loading = this[LOADING];
  return (loading.data ??= loading.load());
}

/** A tensor of `dtype` and `shape` whose data `load` makes when it is first read. */
export function onDemandTensor<D extends DType>(dtype: D, shape: readonly number[], load: () => DTypeStorage[D], origin?: TensorOrigin): Tensor<D> {
  const loading: Loading = { load, data: undefined, origin };
  // Defined, not assigned: `data` is an accessor shared by every such tensor, LOADING stays out of copies.
  return Object.defineProperties({ dtype, shape: [...shape] }, {
    data: { enumerable: true, get: loadedData },
    [LOADING]: { value: loading },
  }) as unknown as Tensor<D>;
}

function loadingOf(tensor: Tensor): Loading | undefined {
  return (tensor as Partial<OnDemand>)[LOADING];
}

/** Whether `tensor` loads its data on demand. */
export function isOnDemand(tensor: Tensor): boolean {
  return loadingOf(tensor) !== undefined;
}

/** The source an on-demand tensor is a one-to-one function of, if it is one. */
export function originOf(tensor: Tensor): TensorOrigin | undefined {
  return loadingOf(tensor)?.origin;
}

/** Lets go of an on-demand tensor's loaded data (a no-op for any other tensor). */
export function releaseOnDemand(tensor: Tensor): void {
  const loading = loadingOf(tensor);
  if (loading) loading.data = undefined;
}
