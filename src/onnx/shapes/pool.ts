import { attrBool } from '../ir.js';
import type { ShapeFn, ShapeTable } from './types.js';
import { readWindow, typeOf, windowOutput } from './window.js';

/** ONNX shape inference for pooling: Max/Average/Lp pools and their global forms. */

const pool: ShapeFn = ({ inputs, node }) => {
  const x = typeOf(inputs[0]);
  if (!x.shape) return [x, {}];
  const spatial = x.shape.length - 2;
  const win = readWindow(node, spatial);
  const dims = windowOutput(win, x.shape.slice(2), attrBool(node, 'ceil_mode', false));
  const shape = [...x.shape.slice(0, 2), ...dims];
  // MaxPool's optional second output holds int64 indices of the same shape.
  return [{ ...x, shape }, { dtype: 'int64', shape: [...shape] }];
};

const globalPool: ShapeFn = ({ inputs }) => {
  const x = typeOf(inputs[0]);
  if (!x.shape) return [x];
  return [{ ...x, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }];
};

export const poolShapes: ShapeTable = {
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
};
