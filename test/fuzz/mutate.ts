/**
 * A seeded byte-level and protobuf-aware mutator. The same seed gives the same
 * sequence of inputs, so any failure a run finds reproduces from its case number.
 */

/** xorshift32: small, fast, and good enough to pick bytes and positions. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** Values that make sizes, counts and tags interesting: 0, 1, boundaries of int32/int64, huge. */
const INTERESTING_VARINTS: readonly bigint[] = [0n, 1n, 127n, 128n, 255n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n + 34n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n];

function encodeVarint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return out;
}

/** Start and end of the varint that covers `at` (protobuf keys, lengths and ints), or undefined. */
function varintAround(bytes: Uint8Array, at: number): [number, number] | undefined {
  let start = at;
  while (start > 0 && (bytes[start - 1]! & 0x80) !== 0 && at - start < 9) start--;
  let end = at;
  while (end < bytes.length && (bytes[end]! & 0x80) !== 0 && end - start < 10) end++;
  return end < bytes.length ? [start, end + 1] : undefined;
}

type Mutation = (b: Uint8Array, r: Rng, other: Uint8Array) => Uint8Array;

function splice(b: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(Array.from(insert), at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

/** Each mutation returns a new array; the input is never changed (Buffer.slice would share memory: copies are explicit). */
export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  flipBit: (b, r) => {
    const out = new Uint8Array(b);
    if (out.length > 0) out[r.below(out.length)]! ^= 1 << r.below(8);
    return out;
  },
  setByte: (b, r) => {
    const out = new Uint8Array(b);
    if (out.length > 0) out[r.below(out.length)] = r.pick([0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x0a, 0x12, r.below(256)]);
    return out;
  },
  truncate: (b, r) => new Uint8Array(b.subarray(0, r.below(b.length + 1))),
  deleteRange: (b, r) => {
    const at = r.below(b.length);
    return splice(b, at, Math.min(b.length - at, 1 + r.below(16)), []);
  },
  insertRandom: (b, r) => splice(b, r.below(b.length + 1), 0, Array.from({ length: 1 + r.below(8) }, () => r.below(256))),
  duplicateRange: (b, r) => {
    const at = r.below(b.length);
    const len = Math.min(b.length - at, 1 + r.below(64));
    return splice(b, r.below(b.length + 1), 0, b.subarray(at, at + len));
  },
  /** Replaces one varint (a key, a length, a dim) by an interesting value. */
  varint: (b, r) => {
    const around = b.length > 0 ? varintAround(b, r.below(b.length)) : undefined;
    if (!around) return new Uint8Array(b);
    return splice(b, around[0], around[1] - around[0], encodeVarint(r.pick(INTERESTING_VARINTS)));
  },
  /** Grafts a piece of another seed in: fields that are valid somewhere, misplaced. */
  crossOver: (b, r, other) => {
    const at = r.below(other.length);
    const len = Math.min(other.length - at, 1 + r.below(128));
    const where = r.below(b.length + 1);
    return splice(b, where, r.below(Math.min(16, b.length - where) + 1), other.subarray(at, at + len));
  },
};

/**
 * Mutations that keep the protobuf framing intact (a flipped bit, a changed byte
 * or varint) are drawn three times as often: they reach the checks behind the
 * parser, where shifted bytes mostly stop at the first tag.
 */
const MUTATION_NAMES = Object.keys(MUTATIONS).flatMap((name) => (['flipBit', 'setByte', 'varint'].includes(name) ? [name, name, name] : [name]));

/** Usually one mutation, sometimes two or three stacked. */
export function mutate(seed: Uint8Array, r: Rng, other: Uint8Array): Uint8Array {
  let out = seed;
  const rounds = r.below(4) === 0 ? 2 + r.below(2) : 1;
  for (let i = 0; i < rounds; i++) out = MUTATIONS[r.pick(MUTATION_NAMES)]!(out, r, other);
  return out;
}
