import type { DType } from '../tensor/dtype.js';
import { float16BitsToFloat32 } from '../tensor/fp16.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MilBinding, MilBlock, MilFunction, MilOperation, MilProgram, MilTensorType, MilVar } from './ir.js';
import { milDTypeName } from './ops/misc.js';

/**
 * Renders a program in the MIL text form Core ML's tools print, for debugging
 * and for test failure messages. Unknown dims print as `?`; constants with more
 * than `MAX_INLINE` elements print as a summary instead of their values.
 */

const MAX_INLINE = 16;
const INDENT = '    ';

export function printProgram(program: MilProgram): string {
  const lines = ['program(1.0)'];
  const attrs = Object.entries(program.attributes ?? {});
  if (attrs.length > 0) lines.push(`[${attrs.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')}]`);
  lines.push('{');
  for (const [name, fn] of Object.entries(program.functions)) lines.push(...printFunction(name, fn));
  lines.push('}');
  return lines.join('\n');
}

const dimText = (d: number | null): string => (d === null ? '?' : String(d));

/** A type in MIL text form: tensor<fp32, [1, ?]>, list<tensor<fp32, [2]>, ?>, dict<string, fp32>. */
export function printType(type: MilTensorType): string {
  const collection = type.collection;
  if (collection?.kind === 'dictionary') return `dict<${dtypeName(collection.keyDType)}, ${dtypeName(type.dtype)}>`;
  if (collection?.kind === 'list') {
    return `list<${printType({ dtype: type.dtype, shape: collection.elementShape ?? [] })}, ${dimText(type.shape[0] ?? null)}>`;
  }
  return `tensor<${dtypeName(type.dtype)}, [${type.shape.map(dimText).join(', ')}]>`;
}

function dtypeName(dtype: DType): string {
  try {
    return milDTypeName(dtype);
  } catch {
    return dtype;
  }
}

function printFunction(name: string, fn: MilFunction): string[] {
  const inputs = fn.inputs.map((v) => `${printType(v.type)} ${v.name}`).join(', ');
  const lines = [`${INDENT}func ${name}<${fn.opset.toLowerCase()}>(${inputs}) {`];
  lines.push(...printOperations(fn.block, 2));
  lines.push(`${INDENT}} -> (${fn.block.outputs.join(', ')});`);
  return lines;
}

function printOperations(block: MilBlock, depth: number): string[] {
  const pad = INDENT.repeat(depth);
  const lines: string[] = [];
  for (const op of block.operations) {
    lines.push(pad + printOperation(op));
    op.blocks.forEach((inner, i) => {
      const inputs = inner.inputs.map((v: MilVar) => `${printType(v.type)} ${v.name}`).join(', ');
      lines.push(`${pad}${INDENT}block${i}(${inputs}) {`);
      lines.push(...printOperations(inner, depth + 2));
      lines.push(`${pad}${INDENT}} -> (${inner.outputs.join(', ')});`);
    });
  }
  return lines;
}

function printOperation(op: MilOperation): string {
  const outs = op.outputs.map((v) => `${printType(v.type)} ${v.name}`).join(', ');
  const args = Object.entries(op.inputs)
    .map(([param, bindings]) => `${param} = ${printBindings(bindings)}`)
    .join(', ');
  const attrs = [`name = "${op.name}"`, ...Object.entries(op.attributes).map(([k, v]) => `${k} = ${printTensor(v)}`)];
  const lhs = outs.length > 0 ? `${outs} = ` : '';
  return `${lhs}${op.type}(${args})[${attrs.join(', ')}];`;
}

function printBindings(bindings: readonly MilBinding[]): string {
  const parts = bindings.map((b) => (b.kind === 'name' ? b.name : printTensor(b.value)));
  return bindings.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}

/** A tensor literal: `tensor<fp32, [2]>([1, 2])`, or a size summary for large tensors. */
export function printTensor(t: Tensor): string {
  const type = printType({ dtype: t.dtype, shape: [...t.shape] });
  const n = t.data.length;
  if (n > MAX_INLINE) return `${type}(<${n} values>)`;
  const values: string[] = [];
  for (let i = 0; i < n; i++) values.push(formatElement(t, i));
  return t.shape.length === 0 ? `${type}(${values[0] ?? ''})` : `${type}([${values.join(', ')}])`;
}

function formatElement(t: Tensor, i: number): string {
  const v = t.data[i];
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (t.dtype === 'bool') return v ? 'true' : 'false';
  if (t.dtype === 'float16') return String(float16BitsToFloat32(v as number));
  if (t.dtype === 'float32') return String(Math.fround(v as number));
  return String(v);
}
