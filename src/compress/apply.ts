import { packedByteLength } from '../tensor/dtype.js';
import { elementCount, type Tensor } from '../tensor/tensor.js';
import { targetRank, type DeploymentTarget, type MilBlock, type MilOperation, type MilProgram } from '../mil/ir.js';
import { compressConstOp, type CompressionKind } from './constexpr.js';
import { outputHeadWeights } from './head.js';
import { DEFAULT_LAYOUT, weightLayouts, type WeightLayout } from './layout.js';

/**
 * Replaces large constant weights of a MIL program with constexpr ops that
 * Core ML expands at load time. Works in place; the op's output keeps its name,
 * shape and dtype, so consumers are untouched. Run it after the fp16 pass: the
 * pass treats constexpr ops as constants it must not touch, so compressing
 * first would leave fp32 weights behind casts; compressing its fp16 consts
 * gives fp16 constexpr outputs, as coremltools does.
 */

export type { CompressionKind } from './constexpr.js';

export type CompressionSpec = CompressionKind & {
  /**
   * Leave the output head's weights (the last weighted layer before each
   * model output) uncompressed. Used by the lossiest variants, whose weight
   * SNR (≈ 6 dB per bit for a palette, ≈ 9 dB for 50% pruning) would land in
   * the outputs unfiltered.
   */
  keepOutputHead?: boolean;
};

export interface CompressOptions {
  target: DeploymentTarget;
  /** Weights with fewer elements stay as they are (default 2,048). */
  minElements?: number;
  /**
   * Accepted for callers written against the first version of this API and
   * otherwise unused: a decompressed weight always has the dtype of the const
   * it replaces, which is what that const's consumers were typed against.
   */
  outputDType?: 'float16' | 'float32';
}

export interface CompressStats {
  /** Weights replaced by constexpr ops. */
  compressed: number;
  /** Float weights left alone because they are below the size threshold, vectors, or of a shape the spec cannot split (blocks, channel groups). */
  keptSmall: number;
  /** Float weights left alone because they belong to the output head (`keepOutputHead`). */
  keptHead: number;
  /** Bytes of the float weights before, and of the compressed payloads after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** Earliest deployment target whose opset has the constexpr op a spec needs. */
export function minimumTargetFor(spec: CompressionSpec): DeploymentTarget {
  if (spec.kind === 'blockwise') return 'iOS18';
  // iOS16's LUT op only knows palettes of 2, 4, 16, 64 and 256 entries, and one table per tensor.
  if (spec.kind === 'palettize' && (spec.channelGroupSize || spec.nbits === 3)) return 'iOS18';
  return 'iOS16';
}

export function compressProgram(program: MilProgram, spec: CompressionSpec, options: CompressOptions): CompressStats {
  if (targetRank(options.target) < targetRank(minimumTargetFor(spec))) {
    throw new RangeError(`${describeSpec(spec)} compression needs ${minimumTargetFor(spec)} or later, target is ${options.target}`);
  }
  const stats: CompressStats = { compressed: 0, keptSmall: 0, keptHead: 0, bytesBefore: 0, bytesAfter: 0 };
  for (const fn of Object.values(program.functions)) {
    const keep = spec.keepOutputHead ? outputHeadWeights(fn.block) : new Set<string>();
    compressBlock(fn.block, spec, { ...options, keep, layouts: weightLayouts(fn.block) }, stats);
  }
  return stats;
}

function describeSpec(spec: CompressionSpec): string {
  return spec.kind === 'palettize' ? `${spec.nbits}-bit palettize${spec.channelGroupSize ? ' (grouped channels)' : ''}` : spec.kind;
}

interface BlockOptions extends CompressOptions {
  keep: ReadonlySet<string>;
  /** Where each weight keeps its output and input channels, from the ops reading it. */
  layouts: ReadonlyMap<string, WeightLayout>;
}

function compressBlock(block: MilBlock, spec: CompressionSpec, options: BlockOptions, stats: CompressStats): void {
  const minElements = options.minElements ?? 2048;
  block.operations = block.operations.map((op) => {
    for (const inner of op.blocks) compressBlock(inner, spec, options, stats);
    const val = op.type === 'const' ? op.attributes['val'] : undefined;
    if (!val || (val.dtype !== 'float32' && val.dtype !== 'float16')) return op;
    const layout = options.layouts.get(op.outputs[0]!.name) ?? DEFAULT_LAYOUT;
    if (val.data.length < minElements || !compressible(val, spec, layout)) {
      stats.keptSmall++;
      return op;
    }
    if (options.keep.has(op.outputs[0]!.name)) {
      stats.keptHead++;
      return op;
    }
    const replacement = compressConstOp(op, val, spec, options.target, layout);
    stats.compressed++;
    stats.bytesBefore += val.data.length * (val.dtype === 'float32' ? 4 : 2);
    stats.bytesAfter += payloadBytes(replacement);
    return replacement;
  });
}

/**
 * Shapes a spec can represent: block-wise scales need whole blocks of input
 * channels, grouped palettes whole groups. Vectors (biases, norm parameters)
 * stay as they are: one scale per element would outweigh the fp16 values and
 * one per tensor would cost their accuracy for a few bytes; coremltools
 * leaves them alone too.
 */
function compressible(val: Tensor, spec: CompressionSpec, layout: WeightLayout): boolean {
  if (val.shape.length < 2) return false;
  const rows = val.shape[layout.output] ?? val.shape[0]!;
  const cols = val.shape[layout.input] ?? 1;
  if (spec.kind === 'blockwise') return cols % Math.min(spec.blockSize, cols) === 0;
  if (spec.kind === 'palettize' && spec.channelGroupSize) return rows % Math.min(spec.channelGroupSize, rows) === 0;
  return true;
}

/** Bytes a constexpr op's parameters take on disk (sub-byte data counted packed). */
function payloadBytes(op: MilOperation): number {
  const tensors = [...Object.values(op.attributes), ...Object.values(op.inputs).flatMap((b) => b.map((x) => (x.kind === 'value' ? x.value : undefined)))];
  let bytes = 0;
  for (const t of tensors) {
    if (!t || t.dtype === 'string') continue;
    bytes += packedByteLength(t.dtype, elementCount(t.shape));
  }
  return bytes;
}
