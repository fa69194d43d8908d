import type { DType } from '../../src/tensor/dtype.js';
import { float32ArrayToFloat16, float16ArrayToFloat32 } from '../../src/tensor/fp16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { MilBinding, MilOperation, MilOpset, MilProgram, MilVar } from '../../src/mil/ir.js';
import { runProgram } from '../../src/runtime/interpreter.js';

/** Small builders for hand-written ML programs in tests. */

export const f32 = (shape: number[], values: ArrayLike<number>): Tensor => makeTensor('float32', shape, Float32Array.from(values));
export const f16 = (shape: number[], values: ArrayLike<number>): Tensor =>
  makeTensor('float16', shape, float32ArrayToFloat16(Float32Array.from(values)));
export const i32 = (shape: number[], values: ArrayLike<number>): Tensor => makeTensor('int32', shape, Int32Array.from(values));
export const bool = (shape: number[], values: ArrayLike<number>): Tensor => makeTensor('bool', shape, Uint8Array.from(values));
export const str = (s: string): Tensor => makeTensor('string', [], [s]);
export const scalar = (v: number): Tensor => f32([], [v]);
export const int = (v: number): Tensor => i32([], [v]);
export const uint = (v: number): Tensor => makeTensor('uint32', [], Uint32Array.from([v]));
export const ints = (v: number[]): Tensor => i32([v.length], v);
export const flag = (v: boolean): Tensor => bool([], [v ? 1 : 0]);

export type Arg = string | Tensor | (string | Tensor)[];

function binding(a: string | Tensor): MilBinding {
  return typeof a === 'string' ? { kind: 'name', name: a } : { kind: 'value', value: a };
}

export function v(name: string, dtype: DType, shape: (number | null)[]): MilVar {
  return { name, type: { dtype, shape } };
}

export function op(
  type: string, inputs: Record<string, Arg>, outputs: MilVar[], attributes: Record<string, Tensor> = {}, name = outputs[0]?.name ?? type,
): MilOperation {
  const bound: Record<string, MilBinding[]> = {};
  for (const [k, a] of Object.entries(inputs)) bound[k] = (Array.isArray(a) ? a : [a]).map(binding);
  return { type, name, inputs: bound, outputs, attributes, blocks: [] };
}

export function program(inputs: MilVar[], operations: MilOperation[], outputs: string[], opset: MilOpset = 'CoreML6'): MilProgram {
  return { functions: { main: { inputs, opset, block: { inputs: [], operations, outputs } } } };
}

/** Runs one op whose parameters are all inline values; returns its outputs in order. */
export function runOp(
  type: string, inputs: Record<string, Arg>, outputs: { dtype: DType; shape: (number | null)[] }[] | { dtype: DType; shape: (number | null)[] },
  opset: MilOpset = 'CoreML6', attributes: Record<string, Tensor> = {},
): Tensor[] {
  const outs = (Array.isArray(outputs) ? outputs : [outputs]).map((o, i) => v(`out${i}`, o.dtype, o.shape));
  const prog = program([], [op(type, inputs, outs, attributes)], outs.map((o) => o.name), opset);
  const result = runProgram(prog, {});
  return outs.map((o) => result[o.name]!);
}

/** Values of a float tensor as plain numbers (fp16 decoded). */
export function values(t: Tensor): number[] {
  if (t.dtype === 'float16') return Array.from(float16ArrayToFloat32(t.data as Uint16Array));
  return Array.from(t.data as ArrayLike<number>, Number);
}
