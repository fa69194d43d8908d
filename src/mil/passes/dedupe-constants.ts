import { originOf } from '../../tensor/on-demand.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MilBlock, MilOperation, MilProgram } from '../ir.js';
import { renameUses } from './uses.js';

/**
 * Shares identical `const` values: when two const ops hold the same dtype,
 * shape and bytes, readers of the later one read the first and the later op
 * is dropped. Weights that an exporter duplicated are then stored once.
 * A const named as a block output keeps its op (the name is part of the
 * interface). Returns the number of const ops removed.
 */
export function dedupeConstants(program: MilProgram): number {
  let removed = 0;
  for (const fn of Object.values(program.functions)) removed += dedupeBlock(fn.block);
  return removed;
}

function dedupeBlock(block: MilBlock): number {
  let removed = 0;
  for (const op of block.operations) for (const inner of op.blocks) removed += dedupeBlock(inner);
  const outputs = new Set(block.outputs);
  const seen = new Map<string, { name: string; value: Tensor }[]>();
  const renames = new Map<string, string>();
  const kept: MilOperation[] = [];
  for (const op of block.operations) {
    const value = op.type === 'const' ? op.attributes['val'] : undefined;
    const out = op.outputs[0];
    if (!value || !out) {
      kept.push(op);
      continue;
    }
    const key = constantKey(value);
    const candidates = seen.get(key) ?? [];
    const twin = outputs.has(out.name) ? undefined : candidates.find((c) => sameTensor(c.value, value));
    if (twin) {
      renames.set(out.name, twin.name);
      removed++;
      continue;
    }
    candidates.push({ name: out.name, value });
    seen.set(key, candidates);
    kept.push(op);
  }
  block.operations = kept;
  renameUses(block, renames, false);
  return removed;
}

function bytesOf(t: Tensor): Uint8Array | undefined {
  if (Array.isArray(t.data)) return undefined;
  const d = t.data as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * The bucket a constant is compared within: its dtype and shape. Constants of one
 * shape are compared byte by byte, which stops at the first differing byte, so
 * distinct weights cost next to nothing and no pass over every weight byte is needed.
 */
function constantKey(t: Tensor): string {
  return `${t.dtype}|${t.shape.join(',')}`;
}

/**
 * Bitwise equality, so NaN payloads and signed zeros count as different values only when their bits differ.
 * Two tensors made on demand by one one-to-one function are compared through their sources, without loading either.
 */
function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const from = originOf(a);
  const to = originOf(b);
  if (from && to && from.by === to.by) return from.of === to.of || sameTensor(from.of, to.of);
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (!x || !y) {
    const s = a.data as string[];
    const t = b.data as string[];
    return s.length === t.length && s.every((v, i) => v === t[i]);
  }
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
