import type { MilBlock, MilOperation } from '../mil/ir.js';
import { BufferPool, POOLED_MIN_LENGTH, type RtValue } from './value.js';

/**
 * What a block sees while it runs: its values by name (then the enclosing
 * block's), which float buffers the run made and may recycle, and when each
 * value's last reader has run, so it can be released.
 */

/** Names visible while a block runs: its own values, then the enclosing block's. */
export class Scope {
  private readonly values = new Map<string, RtValue>();
  /** Names of values made by const and constexpr ops, shared by nested scopes. */
  readonly constants: Set<string>;
  readonly buffers: BufferTracker;
  constructor(private readonly parent?: Scope, pool?: BufferPool) {
    this.constants = parent?.constants ?? new Set();
    this.buffers = parent?.buffers ?? new BufferTracker(pool);
  }

  get(name: string): RtValue | undefined {
    return this.values.get(name) ?? this.parent?.get(name);
  }
  set(name: string, value: RtValue): void {
    this.values.set(name, value);
  }
  release(name: string): void {
    const v = this.values.get(name);
    this.values.delete(name);
    if (v) this.buffers.drop(v.data);
  }
}

/**
 * Counts the live names of each float buffer a kernel made during this run,
 * and returns a buffer to the pool when its last name is released. Buffers
 * the run did not make (inputs, constants, cached results) are never
 * counted, so they are never recycled.
 */
class BufferTracker {
  private readonly live = new Map<RtValue['data'], number>();
  constructor(readonly pool = new BufferPool()) {}

  /** Records an op result: a fresh buffer starts at one name, a view of a counted one adds a name. */
  adopt(data: RtValue['data'], fresh: boolean): void {
    const count = this.live.get(data);
    if (count !== undefined) this.live.set(data, count + 1);
    else if (fresh && data instanceof Float32Array && data.length >= POOLED_MIN_LENGTH) this.live.set(data, 1);
  }

  /** True when `data` was made by this run and only one name holds it. */
  soleOwner(data: RtValue['data']): boolean {
    return this.live.get(data) === 1;
  }

  drop(data: RtValue['data']): void {
    const count = this.live.get(data);
    if (count === undefined) return;
    if (count > 1) {
      this.live.set(data, count - 1);
      return;
    }
    this.live.delete(data);
    this.pool.give(data as Float32Array);
  }
}

/** For each op index, the block-local names whose last reader is that op (so they can be dropped). */
const releasePlans = new WeakMap<MilBlock, string[][]>();

function namesReadBy(op: MilOperation, into: Set<string>): void {
  for (const bindings of Object.values(op.inputs)) {
    for (const b of bindings) if (b.kind === 'name') into.add(b.name);
  }
  for (const inner of op.blocks) {
    for (const innerOp of inner.operations) namesReadBy(innerOp, into);
    for (const out of inner.outputs) into.add(out);
  }
}

export function releasePlan(block: MilBlock): string[][] {
  const cached = releasePlans.get(block);
  if (cached) return cached;
  const lastReader = new Map<string, number>();
  block.operations.forEach((op, i) => {
    const read = new Set<string>();
    namesReadBy(op, read);
    for (const name of read) lastReader.set(name, i);
  });
  const kept = new Set(block.outputs);
  const plan = block.operations.map((): string[] => []);
  // Block inputs belong to the caller (loop-carried values are read again by the next block run).
  const local = new Set<string>();
  for (const op of block.operations) for (const out of op.outputs) local.add(out.name);
  for (const [name, i] of lastReader) if (local.has(name) && !kept.has(name)) plan[i]!.push(name);
  // Values nobody reads are dropped right after they are made.
  block.operations.forEach((op, i) => {
    for (const out of op.outputs) if (!lastReader.has(out.name) && !kept.has(out.name)) plan[i]!.push(out.name);
  });
  releasePlans.set(block, plan);
  return plan;
}
