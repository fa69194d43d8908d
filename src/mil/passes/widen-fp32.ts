import { float16ArrayToFloat32 } from '../../tensor/fp16.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import type { MilBinding, MilBlock, MilOperation, MilProgram, MilTensorType, MilVar } from '../ir.js';

/**
 * The same program computed in fp32: every float16 value, constant and type becomes
 * float32 and every cast to fp16 a cast to fp32, so the ops, their order and their
 * names stay those of the program given. When only a package is at hand, this is the
 * fp32 yardstick its fp16 compute is measured against (its weights keep the values fp16
 * rounded them to, and decompressed weights their compressed values). Returns a copy;
 * tensors that do not change are shared.
 */
export function widenedToFp32(program: MilProgram): MilProgram {
  const functions: MilProgram['functions'] = {};
  for (const [name, fn] of Object.entries(program.functions)) {
    functions[name] = { ...fn, inputs: fn.inputs.map(widenVar), block: widenBlock(fn.block) };
  }
  return { ...program, functions };
}

function widenBlock(block: MilBlock): MilBlock {
  return { inputs: block.inputs.map(widenVar), operations: block.operations.map(widenOp), outputs: [...block.outputs] };
}

function widenOp(op: MilOperation): MilOperation {
  const inputs: Record<string, MilBinding[]> = {};
  for (const [param, bindings] of Object.entries(op.inputs)) {
    inputs[param] = bindings.map((b) => (b.kind === 'value' ? { kind: 'value', value: widenTensor(b.value) } : { ...b }));
  }
  const attributes: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(op.attributes)) attributes[name] = widenTensor(t);
  return { ...op, inputs, outputs: op.outputs.map(widenVar), attributes, blocks: op.blocks.map(widenBlock) };
}

function widenVar(v: MilVar): MilVar {
  return { name: v.name, type: widenType(v.type) };
}

export function widenType(t: MilTensorType): MilTensorType {
  return t.dtype === 'float16' ? { ...t, dtype: 'float32', shape: [...t.shape] } : t;
}

/** fp16 values as fp32; the dtype names casts and fills take ('fp16') as 'fp32'. */
function widenTensor(t: Tensor): Tensor {
  if (t.dtype === 'float16') return makeTensor('float32', t.shape, float16ArrayToFloat32(t.data as Uint16Array));
  if (t.dtype === 'string' && (t.data as string[]).includes('fp16')) {
    return makeTensor('string', t.shape, (t.data as string[]).map((s) => (s === 'fp16' ? 'fp32' : s)));
  }
  return t;
}
