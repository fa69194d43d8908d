import { walkOperations, type MilProgram } from '../mil/ir.js';
import type { Fp32OpsSummary } from '../report/schema.js';
import { isBookkeepingOp } from './op-pairs.js';

/**
 * The ops of an fp16 program that compute in fp32 (kept there by `--precision auto`, or
 * for a constant fp16 cannot hold), read from the program itself: compute ops with a
 * float32 result. Undefined when the program computes nothing in fp16, or everything.
 */
export function fp32OpsOf(program: MilProgram): Fp32OpsSummary | undefined {
  const ops = Object.values(program.functions).flatMap((fn) => [...walkOperations(fn.block)]).filter((op) => !isBookkeepingOp(op));
  const computesFp16 = ops.some((op) => op.outputs.some((o) => o.type.dtype === 'float16'));
  const fp32 = ops.filter((op) => op.outputs.some((o) => o.type.dtype === 'float32'));
  if (!computesFp16 || fp32.length === 0) return undefined;
  return { count: fp32.length, ops: fp32.map((op) => ({ op: op.type, onnxNode: op.source?.node ?? null, outputName: op.outputs[0]!.name })) };
}
