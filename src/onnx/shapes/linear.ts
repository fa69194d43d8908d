import { attrInt, type OnnxDim } from '../ir.js';
import { ShapeMismatch, type InferredType, type ShapeFn, type ShapeTable } from './types.js';
import { broadcastOnnxShapes } from './window.js';

/** ONNX shape inference for the linear family: Gemm and MatMul. */

function withDtype(t: InferredType | undefined, shape?: OnnxDim[]): InferredType {
  return { ...(t?.dtype ? { dtype: t.dtype } : {}), ...(shape ? { shape } : {}) };
}

/** numpy.matmul output shape over ONNX dims (symbols kept where they agree). */
export function onnxMatmulShape(a: readonly OnnxDim[], b: readonly OnnxDim[]): OnnxDim[] {
  if (a.length === 0 || b.length === 0) throw new ShapeMismatch('MatMul operands must have rank >= 1');
  const xa = a.length === 1 ? [1, a[0]!] : [...a];
  const xb = b.length === 1 ? [b[0]!, 1] : [...b];
  const [k1, k2] = [xa[xa.length - 1] ?? null, xb[xb.length - 2] ?? null];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new ShapeMismatch(`A has ${k1} columns but B has ${k2} rows`);
  const out = broadcastOnnxShapes(xa.slice(0, -2), xb.slice(0, -2));
  if (a.length > 1) out.push(xa[xa.length - 2] ?? null);
  if (b.length > 1) out.push(xb[xb.length - 1] ?? null);
  return out;
}

const matmul: ShapeFn = ({ inputs }) => {
  const [a, b] = inputs;
  if (!a?.shape || !b?.shape) return [withDtype(a)];
  return [withDtype(a, onnxMatmulShape(a.shape, b.shape))];
};

const gemm: ShapeFn = ({ inputs, node }) => {
  const [a, b, c] = inputs;
  if (!a?.shape || !b?.shape) return [withDtype(a)];
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new ShapeMismatch(`Gemm operands must be 2-D, got ranks ${a.shape.length} and ${b.shape.length}`);
  // ONNX reads any non-zero int as true.
  const [transA, transB] = [attrInt(node, 'transA', 0) !== 0, attrInt(node, 'transB', 0) !== 0];
  const [m, k1] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new ShapeMismatch(`A has ${k1} columns but B has ${k2} rows`);
  const out = [m, n];
  // C broadcasts to [M, N] one way only.
  const merged = c?.shape ? broadcastOnnxShapes(out, c.shape) : out;
  if (c?.shape && (merged.length !== 2 || merged.some((d, i) => typeof out[i] === 'number' && d !== out[i]))) {
    throw new ShapeMismatch(`C of shape [${c.shape.join(', ')}] does not broadcast to [${out.join(', ')}]`);
  }
  return [withDtype(a, out)];
};

export const linearShapes: ShapeTable = { Gemm: gemm, MatMul: matmul };
