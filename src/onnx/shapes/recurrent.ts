import { attrInt, attrString, type OnnxDim } from '../ir.js';
import type { ShapeFn, ShapeTable } from './types.js';

/**
 * ONNX shape inference for LSTM, GRU and RNN: Y is [T, D, B, H] (layout 0)
 * or [B, T, D, H] (layout 1); Y_h and Y_c are [D, B, H] or [B, D, H].
 */

const recurrent: ShapeFn = ({ inputs, node }) => {
  const x = inputs[0];
  const dtype = x?.dtype;
  const hidden = attrInt(node, 'hidden_size') ?? inputs[2]?.shape?.[2] ?? null;
  const directions = attrString(node, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const layout = attrInt(node, 'layout', 0);
  const typed = (shape: OnnxDim[] | undefined) => ({ ...(dtype ? { dtype } : {}), ...(shape ? { shape } : {}) });
  if (!x?.shape || x.shape.length !== 3) {
    return node.outputs.map(() => typed(undefined));
  }
  const [seq, batch] = layout === 1 ? [x.shape[1] ?? null, x.shape[0] ?? null] : [x.shape[0] ?? null, x.shape[1] ?? null];
  const y: OnnxDim[] = layout === 1 ? [batch, seq, directions, hidden] : [seq, directions, batch, hidden];
  const state: OnnxDim[] = layout === 1 ? [batch, directions, hidden] : [directions, batch, hidden];
  return [typed(y), typed(state), typed([...state])].slice(0, Math.max(1, node.outputs.length));
};

export const recurrentShapes: ShapeTable = { LSTM: recurrent, GRU: recurrent, RNN: recurrent };
