/**
 * Lookup tables assembled from one table per op family (one file per family).
 * A plain object spread lets the later family silently win when two define the
 * same key; these helpers throw at load time instead, naming both families.
 */

/** Family name → that family's table. */
export type FamilyTables<V> = Readonly<Record<string, Readonly<Record<string, V>>>>;

/** Thrown when two families define the same key: a registry bug, caught when the module loads. */
export class DuplicateKeyError extends Error {
  constructor(what: string, key: string, first: string, second: string) {
    super(`${what} "${key}" is defined twice: by family ${first} and by family ${second}`);
    this.name = 'DuplicateKeyError';
  }
}

/**
 * One table holding every family's entries. The result has no prototype, so a
 * key such as "constructor" or "__proto__" read from a model finds nothing
 * rather than an Object method.
 */
export function mergeFamilyTables<V>(what: string, families: FamilyTables<V>): Readonly<Record<string, V>> {
  const merged = Object.create(null) as Record<string, V>;
  const owner = familyIndex(what, families);
  for (const [key, family] of owner) merged[key] = families[family]![key]!;
  return Object.freeze(merged);
}

/** Key → the family that defines it; throws on a key defined by two families. */
export function familyIndex<V>(what: string, families: FamilyTables<V>): ReadonlyMap<string, string> {
  const owner = new Map<string, string>();
  for (const [family, table] of Object.entries(families)) {
    for (const key of Object.keys(table)) {
      const first = owner.get(key);
      if (first !== undefined) throw new DuplicateKeyError(what, key, first, family);
      owner.set(key, family);
    }
  }
  return owner;
}
