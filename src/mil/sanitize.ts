/**
 * MIL identifiers must match [A-Za-z_][A-Za-z0-9_@]* and must not collide with
 * the words of the MIL text form (a var named `tensor` fails to compile).
 * These rules follow what Core ML's own tooling emits, so names stay readable.
 */
const RESERVED = new Set([
  'any', 'bool', 'program', 'func', 'tensor', 'list', 'dict', 'tuple', 'true', 'false', 'string',
  'bf16', 'fp16', 'fp32', 'fp64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'state',
]);

const VALID = /^[A-Za-z_][A-Za-z0-9_@]*$/;

export function isValidIdentifier(name: string): boolean {
  return VALID.test(name) && !RESERVED.has(name);
}

/** Maps any string to a legal identifier (not yet unique). `prefix` is used when it starts with a digit. */
function sanitizeIdentifier(name: string, prefix = 'var_'): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (s.length === 0) s = prefix.replace(/_$/, '') || 'v';
  if (!/^[A-Za-z_]/.test(s)) s = prefix + s;
  if (RESERVED.has(s)) s += '_workaround';
  return s;
}

/** Hands out unique legal identifiers and remembers every rename it made. */
export class NameAllocator {
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  /** original → sanitized, only for names that changed. */
  readonly renamed = new Map<string, string>();

  /** Reserves `name` (sanitized) and returns it; suffixes _0, _1, ... on collision. */
  allocate(original: string, prefix = 'var_'): string {
    const base = sanitizeIdentifier(original, prefix);
    let candidate = base;
    if (this.used.has(candidate)) {
      let i = this.counters.get(base) ?? 0;
      while (this.used.has(`${base}_${i}`)) i++;
      candidate = `${base}_${i}`;
      this.counters.set(base, i + 1);
    }
    this.used.add(candidate);
    if (candidate !== original) this.renamed.set(original, candidate);
    return candidate;
  }

  has(name: string): boolean {
    return this.used.has(name);
  }
}
