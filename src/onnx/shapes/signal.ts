import { attrBool, attrInt, type OnnxDim } from '../ir.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { ShapeFn, ShapeTable } from './types.js';
import { typeOf } from './window.js';

/**
 * ONNX shape inference for spectral ops. DFT keeps the input's dims but the
 * transformed axis becomes dft_length (or its one-sided half) and the last
 * dim 2; STFT gives [batch, frames, bins, 2].
 */

/** A DFT axis normalized against the rank, or undefined when it is the batch or component dim or out of range. */
export function dftAxis(raw: number, rank: number): number | undefined {
  const axis = raw < 0 ? raw + rank : raw;
  return axis >= 1 && axis <= rank - 2 ? axis : undefined;
}

/** Bins a transform of length n returns: all of them, or floor(n/2) + 1 one-sided. */
export function dftOutputLength(n: number, onesided: boolean): number {
  return onesided ? Math.floor(n / 2) + 1 : n;
}

const dft: ShapeFn = ({ node, opset, inputs, constant }) => {
  const x = typeOf(inputs[0]);
  const dtype = x.dtype ? { dtype: x.dtype } : {};
  if (!x.shape) return [dtype];
  const rank = x.shape.length;
  const axisValue = opset >= 20 ? (node.inputs[2] ? constant(2) : undefined) : undefined;
  if (opset >= 20 && node.inputs[2] && !axisValue) return [dtype];
  const axis = dftAxis(axisValue ? toNumberList(axisValue)[0]! : opset >= 20 ? -2 : attrInt(node, 'axis', 1), rank);
  if (axis === undefined) return [dtype];
  const lengthValue = node.inputs[1] ? constant(1) : undefined;
  const n: OnnxDim = lengthValue ? toNumberList(lengthValue)[0]! : node.inputs[1] ? null : (x.shape[axis] ?? null);
  const onesided = attrBool(node, 'onesided', false);
  const shape = x.shape.map((d, i): OnnxDim => (i === axis ? (typeof n === 'number' ? dftOutputLength(n, onesided) : null) : d));
  shape[rank - 1] = 2;
  return [{ ...dtype, shape }];
};

const stft: ShapeFn = ({ node, inputs, constant }) => {
  const x = typeOf(inputs[0]);
  const dtype = x.dtype ? { dtype: x.dtype } : {};
  const length = x.shape?.[1];
  const step = node.inputs[1] ? constant(1) : undefined;
  const frameLength = node.inputs[3] && constant(3) ? toNumberList(constant(3)!)[0] : inputs[2]?.shape?.[0];
  if (!x.shape || typeof length !== 'number' || !step || typeof frameLength !== 'number') return [{ ...dtype, shape: [x.shape?.[0] ?? null, null, null, 2] }];
  const frames = Math.floor((length - frameLength) / toNumberList(step)[0]!) + 1;
  return [{ ...dtype, shape: [x.shape[0] ?? null, frames, dftOutputLength(frameLength, attrBool(node, 'onesided', true)), 2] }];
};

export const signalShapes: ShapeTable = { DFT: dft, STFT: stft };
