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

/** A cheap bucket key: dtype, shape and an FNV-1a hash of the bytes (or strings). */
function constantKey(t: Tensor): string {
  let h = 0x811c9dc5;
  const bytes = bytesOf(t);
  if (bytes) {
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  } else {
    for (const s of t.data as string[]) for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return `${t.dtype}|${t.shape.join(',')}|${h >>> 0}`;
}

/** Bitwise equality, so NaN payloads and signed zeros count as different values only when their bits differ. */
function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
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
