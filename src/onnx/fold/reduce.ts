import { elementCount, stridesOf, type Tensor } from '../../tensor/tensor.js';
import { reducedShape, reduceParams, DYNAMIC } from '../shapes/params.js';
import type { FoldFn, FoldTable } from './types.js';
import { checkFoldSize, FoldSkip, fromNumbers, toNumbers } from './values.js';

/** Fold evaluators for reductions over small constant tensors (e.g. ReduceProd of a shape). */

interface Reducer {
  init: number;
  step: (acc: number, v: number) => number;
  finish?: (acc: number, count: number) => number;
}

function reduceFold(reducer: Reducer): FoldFn {
  return (node, inputs, opset) => {
    const x = inputs[0];
    if (!x) throw new FoldSkip('missing input');
    checkFoldSize(x.shape);
    const p = reduceParams(node, opset, (i) => inputs[i], x.shape.length);
    if (p === DYNAMIC) throw new FoldSkip('axes are not constant');
    if (p.axes !== undefined && p.axes.length === 0) return [x];
    return [reduceTensor(x, new Set(p.axes ?? x.shape.map((_, i) => i)), reducedShape(x.shape, p) as number[], reducer)];
  };
}

function reduceTensor(x: Tensor, axes: ReadonlySet<number>, outShape: number[], r: Reducer): Tensor {
  const values = toNumbers(x);
  const keptDims = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
  const keptStrides = stridesOf(keptDims);
  const inStrides = stridesOf(x.shape);
  const out = new Float64Array(elementCount(keptDims)).fill(r.init);
  for (let k = 0; k < values.length; k++) {
    let target = 0;
    for (let d = 0; d < x.shape.length; d++) {
      if (axes.has(d)) continue;
      target += (Math.floor(k / inStrides[d]!) % x.shape[d]!) * keptStrides[d]!;
    }
    out[target] = r.step(out[target]!, values[k]!);
  }
  const count = elementCount(x.shape) / Math.max(1, out.length);
  const finished = r.finish ? out.map((v) => r.finish!(v, count)) : out;
  return fromNumbers(x.dtype, outShape, finished);
}

export const reduceFolds: FoldTable = {
  ReduceProd: reduceFold({ init: 1, step: (a, v) => a * v }),
  ReduceSum: reduceFold({ init: 0, step: (a, v) => a + v }),
  ReduceMax: reduceFold({ init: -Infinity, step: (a, v) => Math.max(a, v) }),
  ReduceMin: reduceFold({ init: Infinity, step: (a, v) => Math.min(a, v) }),
  ReduceMean: reduceFold({ init: 0, step: (a, v) => a + v, finish: (a, n) => a / n }),
};
