import type { VariantDefinition } from '../compress/variants.js';
import type { ConversionResult } from '../convert/index.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { copyProgramStructure } from '../mil/ir.js';

/**
 * Conversions that several variants of one model make alike, made once. int8
 * and palettize4 are both the fp16 conversion at iOS16, compressed afterwards;
 * the fp32 variant is the op-coverage conversion. Converting is most of a
 * variant's build (transposing and rounding every weight), so each conversion
 * is made once and held only until its last variant takes it: the variants
 * before that take a copy of its structure, which shares the weights'
 * tensors (compression and the interface replace tensors, never edit them).
 */
export class SharedConversions {
  private readonly made = new Map<string, ConversionResult>();
  private readonly usesLeft = new Map<string, number>();

  /** `keys`: each variant's key, in the order the variants are built (undefined for one that converts on its own). */
  constructor(keys: readonly (string | undefined)[]) {
    for (const key of keys) if (key !== undefined) this.usesLeft.set(key, (this.usesLeft.get(key) ?? 0) + 1);
  }

  /** A conversion made for another purpose (op coverage), kept when a variant will use it. */
  offer(key: string, converted: ConversionResult | undefined): void {
    if (converted && this.usesLeft.has(key)) this.made.set(key, converted);
  }

  /**
   * The conversion of the variant with `key`, made by `convert` unless it has
   * been made already: the last variant with this key takes the conversion
   * itself, the ones before take copies. A conversion that throws is not kept,
   * so each variant with the key reports the error.
   */
  take(key: string, convert: () => ConversionResult): ConversionResult {
    const left = this.usesLeft.get(key) ?? 0;
    const made = this.made.get(key);
    if (left <= 1) {
      this.made.delete(key);
      this.usesLeft.delete(key);
      return made ?? convert();
    }
    this.usesLeft.set(key, left - 1);
    const shared = made ?? convert();
    this.made.set(key, shared);
    return copyConversion(shared);
  }
}

/**
 * The key of the conversion a variant makes, equal for variants whose
 * conversions are the same: precision and target. A mixed-precision variant
 * searches its own conversions and has none.
 */
export function conversionKey(variant: Pick<VariantDefinition, 'precision' | 'mixedPrecision'>, target: DeploymentTarget): string | undefined {
  return variant.mixedPrecision ? undefined : `${variant.precision} ${target}`;
}

/** A conversion whose program and descriptions can be edited without touching `converted`'s; weights shared. */
function copyConversion(converted: ConversionResult): ConversionResult {
  const { model, ...rest } = converted;
  const { program, ...described } = model;
  return { model: { ...structuredClone(described), program: copyProgramStructure(program) }, ...structuredClone(rest) };
}
