import { releaseOnDemand } from '../../tensor/on-demand.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import type { MilBlock, MilFunction, MilOperation, MilProgram } from '../ir.js';
import type { NameAllocator } from '../sanitize.js';
import { boundConstant, constantValues, constOp, countUses, functionNames } from './uses.js';

/**
 * Folds a batch_norm into the conv or conv_transpose that feeds it, as
 * coremltools' fuse_conv_batchnorm does before casting to fp16:
 * y = (conv(x, W) + b − mean) · s + beta with s = gamma / sqrt(var + ε)
 * becomes conv(x, W·s) + ((b − mean) · s + beta), s applied per output
 * channel. Besides saving an op, the fused constants are what fp16 can hold:
 * a running variance beyond 65504 or an ε below fp16's smallest normal never
 * reaches fp16, and the tiny weights of nearly dead channels are scaled back
 * up by their large s. The arithmetic is done in float64 from the fp32
 * constants. Only a producer read by nothing but the batch_norm is fused;
 * every weight, bias and statistic must be a float32 constant, and a
 * producer whose output is named in `keep` (ops mixed precision keeps in
 * fp32) stays as it is. Returns the number of batch_norm ops removed.
 */
export function fuseConvBatchNorm(program: MilProgram, keep: ReadonlySet<string> = new Set()): number {
  let fused = 0;
  for (const fn of Object.values(program.functions)) fused += new BatchNormFuser(fn, keep).run();
  return fused;
}

/** Per-channel statistics of a batch_norm, defaults filled in. */
interface ChannelAffine {
  /** gamma / sqrt(var + ε) per channel. */
  scale: Float64Array;
  /** beta − mean · scale per channel, without the producer's bias. */
  shift: Float64Array;
}

const FUSABLE_PRODUCERS = new Set(['conv', 'conv_transpose']);

class BatchNormFuser {
  private readonly constants: Map<string, Tensor>;
  private readonly uses: Map<string, number>;
  private readonly names: NameAllocator;

  constructor(
    private readonly fn: MilFunction,
    private readonly keep: ReadonlySet<string>,
  ) {
    this.constants = constantValues(fn.block);
    this.uses = countUses(fn.block);
    this.names = functionNames(fn);
  }

  run(): number {
    return this.fuseBlock(this.fn.block);
  }

  private fuseBlock(block: MilBlock): number {
    let fused = 0;
    for (const op of block.operations) for (const inner of op.blocks) fused += this.fuseBlock(inner);
    const producers = new Map<string, MilOperation>();
    const outputs = new Set(block.outputs);
    const kept: MilOperation[] = [];
    for (const op of block.operations) {
      const producer = op.type === 'batch_norm' ? this.fusableProducer(op, producers, outputs) : undefined;
      const replacement = producer && this.fuse(producer, op);
      if (replacement) {
        // The new constants go just before the producer, which now computes the batch_norm's output.
        kept.splice(kept.indexOf(producer), 0, ...replacement);
        fused++;
        continue;
      }
      for (const o of op.outputs) producers.set(o.name, op);
      kept.push(op);
    }
    block.operations = kept;
    return fused;
  }

  private fusableProducer(bn: MilOperation, producers: ReadonlyMap<string, MilOperation>, outputs: ReadonlySet<string>): MilOperation | undefined {
    const x = bn.inputs['x']?.[0];
    if (x?.kind !== 'name' || outputs.has(x.name) || this.uses.get(x.name) !== 1) return undefined;
    const producer = producers.get(x.name);
    if (!producer || !FUSABLE_PRODUCERS.has(producer.type) || producer.outputs.length !== 1 || this.keep.has(x.name)) return undefined;
    return producer;
  }

  /** Rewrites the producer in place to compute the batch_norm's output; returns the const ops it now reads, or undefined to leave both. */
  private fuse(producer: MilOperation, bn: MilOperation): MilOperation[] | undefined {
    const weight = boundConstant(producer, 'weight', this.constants);
    const bias = boundConstant(producer, 'bias', this.constants);
    if (weight?.dtype !== 'float32' || (producer.inputs['bias'] && bias?.dtype !== 'float32')) return undefined;
    const groups = Number(boundConstant(producer, 'groups', this.constants)?.data[0] ?? 1);
    const channels = producer.type === 'conv' ? weight.shape[0]! : weight.shape[1]! * groups;
    const affine = this.channelAffine(bn, channels);
    if (!affine || (bias && bias.data.length !== channels)) return undefined;
    const fusedWeight = producer.type === 'conv' ? scaleConvWeight(weight, affine.scale) : scaleTransposeWeight(weight, affine.scale, groups);
    // A weight read from the model file on demand is not held beside its scaled copy.
    releaseOnDemand(weight);
    const fusedBias = new Float32Array(channels);
    for (let c = 0; c < channels; c++) fusedBias[c] = (bias ? bias.data[c] as number : 0) * affine.scale[c]! + affine.shift[c]!;
    const weightConst = constOp(this.names.allocate(`${bn.name}_fused_weight`), fusedWeight);
    const biasConst = constOp(this.names.allocate(`${bn.name}_fused_bias`), makeTensor('float32', [channels], fusedBias));
    producer.inputs = {
      ...producer.inputs,
      weight: [{ kind: 'name', name: weightConst.name }],
      bias: [{ kind: 'name', name: biasConst.name }],
    };
    producer.name = bn.name;
    producer.outputs = bn.outputs;
    return [weightConst, biasConst];
  }

  /** scale and shift per channel, or undefined when a statistic is not a float32 constant of `channels` values. */
  private channelAffine(bn: MilOperation, channels: number): ChannelAffine | undefined {
    const vector = (param: string, fill: number): Float64Array | undefined => {
      if (!bn.inputs[param]) return new Float64Array(channels).fill(fill);
      const t = boundConstant(bn, param, this.constants);
      return t?.dtype === 'float32' && t.data.length === channels ? Float64Array.from(t.data as Float32Array) : undefined;
    };
    const [mean, variance, gamma, beta] = [vector('mean', 0), vector('variance', 1), vector('gamma', 1), vector('beta', 0)];
    const eps = bn.inputs['epsilon'] ? boundConstant(bn, 'epsilon', this.constants) : makeTensor('float32', [], Float32Array.of(1e-5));
    if (!mean || !variance || !gamma || !beta || eps?.dtype !== 'float32') return undefined;
    const epsilon = (eps.data as Float32Array)[0]!;
    const scale = new Float64Array(channels);
    const shift = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      scale[c] = gamma[c]! / Math.sqrt(variance[c]! + epsilon);
      shift[c] = beta[c]! - mean[c]! * scale[c]!;
    }
    return { scale, shift };
  }
}

/** conv weight [C_out, C_in/groups, *K]: output channel c is the first axis. */
function scaleConvWeight(weight: Tensor, scale: Float64Array): Tensor {
  const src = weight.data as Float32Array;
  const perChannel = src.length / scale.length;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! * scale[Math.floor(i / perChannel)]!;
  return makeTensor('float32', weight.shape, out);
}

/**
 * conv_transpose weight [C_in, C_out/groups, *K]: input channel i belongs to
 * group ⌊i / (C_in/groups)⌋, and its slice j feeds output channel
 * group · (C_out/groups) + j.
 */
function scaleTransposeWeight(weight: Tensor, scale: Float64Array, groups: number): Tensor {
  const src = weight.data as Float32Array;
  const [inChannels, outPerGroup] = weight.shape as [number, number];
  const kernel = src.length / (inChannels * outPerGroup);
  const inPerGroup = inChannels / groups;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const slice = Math.floor(i / kernel);
    const group = Math.floor(Math.floor(slice / outPerGroup) / inPerGroup);
    out[i] = src[i]! * scale[group * outPerGroup + (slice % outPerGroup)]!;
  }
  return makeTensor('float32', weight.shape, out);
}
