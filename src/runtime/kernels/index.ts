import { mergeFamilyTables, type FamilyTables } from '../../tables.js';
import type { Kernel, KernelTable } from '../kernel.js';
import { activationKernels } from './activation.js';
import { attentionKernels } from './attention.js';
import { classifyKernels } from './classify.js';
import { constexprKernels } from './constexpr.js';
import { controlKernels } from './control.js';
import { convKernels } from './conv.js';
import { einsumKernels } from './einsum.js';
import { elementwiseKernels } from './elementwise.js';
import { scatterGatherKernels } from './scatter-gather.js';
import { linearKernels } from './linear.js';
import { listKernels } from './list.js';
import { miscKernels } from './misc.js';
import { normKernels } from './norm.js';
import { padKernels } from './pad.js';
import { poolKernels } from './pool.js';
import { randomKernels } from './random.js';
import { recurrentKernels } from './recurrent.js';
import { rearrangeKernels } from './rearrange.js';
import { reduceKernels } from './reduce.js';
import { resampleKernels } from './resample.js';
import { shapeKernels } from './shape.js';
import { spaceKernels } from './space.js';
import { visionKernels } from './vision.js';

/** Every kernel family, by name: runtime/kernels/<family>.ts, named like the MIL definition files. */
export const KERNEL_FAMILIES: FamilyTables<Kernel> = {
  elementwise: elementwiseKernels,
  activation: activationKernels,
  conv: convKernels,
  linear: linearKernels,
  norm: normKernels,
  pool: poolKernels,
  reduce: reduceKernels,
  shape: shapeKernels,
  rearrange: rearrangeKernels,
  'scatter-gather': scatterGatherKernels,
  resample: resampleKernels,
  recurrent: recurrentKernels,
  attention: attentionKernels,
  constexpr: constexprKernels,
  misc: miscKernels,
  control: controlKernels,
  list: listKernels,
  pad: padKernels,
  space: spaceKernels,
  vision: visionKernels,
  einsum: einsumKernels,
  random: randomKernels,
  classify: classifyKernels,
};

/** Every kernel the interpreter has, keyed by MIL op type. */
export const KERNELS: KernelTable = mergeFamilyTables('kernel for MIL op', KERNEL_FAMILIES);

/** The MIL op types the interpreter can run. */
export function supportedOpTypes(): string[] {
  return Object.keys(KERNELS).sort();
}
