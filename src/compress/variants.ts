import { targetRank, type DeploymentTarget } from '../mil/ir.js';
import { EIGHT_BIT_GATE, FP16_GATE, FP32_GATE, LOW_BIT_GATE, type Gate } from '../parity/gates.js';
import { minimumTargetFor, type CompressionSpec } from './apply.js';
import type { PaletteBits } from './palettize.js';

/**
 * The variants a model can be built in. The CLI's `--compress`, the action's
 * `variants` input, the report's columns and the default accuracy gates are all
 * read from this one table.
 */
export interface VariantDefinition {
  name: string;
  /** Compute precision of the program. */
  precision: 'fp16' | 'fp32';
  /** Weight compression applied after conversion, if any. */
  compression?: CompressionSpec;
  /** Default accuracy gate against the reference outputs. */
  gate: Gate;
  description: string;
  /**
   * Mixed precision: fp16 compute with the fewest ops kept in fp32 that pass `gate` on
   * the reference data (verify/mixed-precision.ts), so building it needs references.
   */
  mixedPrecision?: true;
}


/**
 * Palettes of 1 or 2 bits keep only ≈ 6 or 12 dB of a typical weight's SNR, too
 * little for the layer whose error lands in the outputs unfiltered: those
 * variants leave the output head uncompressed.
 */
const KEEP_HEAD_BELOW_BITS = 3;

const palettized = (nbits: PaletteBits): VariantDefinition => ({
  name: `palettize${nbits}`,
  precision: 'fp16',
  compression: nbits < KEEP_HEAD_BELOW_BITS ? { kind: 'palettize', nbits, keepOutputHead: true } : { kind: 'palettize', nbits },
  gate: nbits >= 6 ? EIGHT_BIT_GATE : LOW_BIT_GATE,
  description:
    `${nbits}-bit k-means palettized weights (one look-up table per tensor${nbits < KEEP_HEAD_BELOW_BITS ? ', output head kept' : ''})` +
    `${nbits === 3 ? ', iOS18' : ''}, fp16 compute`,
});

/** Most ops a mixed-precision variant (fp16-auto, `--precision auto`) keeps in fp32 before it gives up. */
export const FP32_OP_BUDGET = 32;

export const VARIANTS: readonly VariantDefinition[] = [
  { name: 'fp32', precision: 'fp32', gate: FP32_GATE, description: 'fp32 weights and compute' },
  { name: 'fp16', precision: 'fp16', gate: FP16_GATE, description: 'fp16 weights and compute, fp32 inputs and outputs' },
  {
    name: 'fp16-auto',
    precision: 'fp16',
    mixedPrecision: true,
    gate: FP16_GATE,
    description: 'fp16 compute with the fewest ops kept in fp32 (casts around them) that pass the fp16 gate on the reference data',
  },
  {
    name: 'int8',
    precision: 'fp16',
    compression: { kind: 'linear', dtype: 'int8', symmetric: true, perChannel: true },
    gate: EIGHT_BIT_GATE,
    description: 'int8 weights, symmetric per output channel, fp16 compute',
  },
  {
    name: 'int4',
    precision: 'fp16',
    compression: { kind: 'blockwise', dtype: 'int4', blockSize: 32 },
    gate: LOW_BIT_GATE,
    description: 'int4 weights, one scale per output channel and block of 32 input channels (iOS18), fp16 compute',
  },
  palettized(1),
  palettized(2),
  palettized(3),
  palettized(4),
  palettized(6),
  palettized(8),
  {
    name: 'prune50',
    precision: 'fp16',
    // Dropping the smaller half of a weight keeps ≈ 9 dB of its SNR: the output head stays dense.
    compression: { kind: 'prune', sparsity: 0.5, keepOutputHead: true },
    gate: LOW_BIT_GATE,
    description: '50% of weights pruned by magnitude (sparse storage, output head kept), fp16 compute',
  },
];

export function findVariant(name: string): VariantDefinition | undefined {
  return VARIANTS.find((v) => v.name === name);
}

export function variantNames(): string[] {
  return VARIANTS.map((v) => v.name);
}

/** The target a variant is built for: the requested one, raised when the variant needs a newer opset. */
export function targetForVariant(variant: VariantDefinition, requested: DeploymentTarget): { target: DeploymentTarget; raised: boolean } {
  if (!variant.compression) return { target: requested, raised: false };
  const needed = minimumTargetFor(variant.compression);
  return targetRank(needed) > targetRank(requested) ? { target: needed, raised: true } : { target: requested, raised: false };
}
