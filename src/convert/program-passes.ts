import type { MilProgram } from '../mil/ir.js';
import { removeRedundantCasts } from '../mil/passes/cast-cleanup.js';
import { eliminateDeadCode } from '../mil/passes/dead-code.js';
import { dedupeConstants } from '../mil/passes/dedupe-constants.js';
import { divideToMultiply } from '../mil/passes/divide-to-multiply.js';
import { applyFp16ComputePrecision, type Fp16Options } from '../mil/passes/fp16.js';
import { fuseConvBatchNorm } from '../mil/passes/fuse-batch-norm.js';

/**
 * The MIL passes conversion always runs. For fp16 compute precision, first
 * the rewrites coremltools applies before casting (batch_norm folded into the
 * conv or conv_transpose before it, division by a constant turned into a
 * multiplication), so that the constants fp16 receives are ones it can hold;
 * then the fp16 pass (model I/O stays fp32, casts inside) and the removal of
 * casts that change nothing. A conv asked to stay in fp32 keeps its own
 * batch_norm. Dead-code elimination then drops constants that only fed
 * folded or replaced values, and identical constants (a weight an exporter
 * wrote twice, the same epsilon in every norm) are stored once.
 */
export function runProgramPasses(program: MilProgram, precision: 'fp16' | 'fp32', fp16: Fp16Options = {}): string[] {
  const warnings: string[] = [];
  if (precision === 'fp16') {
    fuseConvBatchNorm(program, fp16.keepInFp32);
    divideToMultiply(program);
    warnings.push(...applyFp16ComputePrecision(program, fp16).warnings);
    removeRedundantCasts(program);
  }
  eliminateDeadCode(program);
  dedupeConstants(program);
  return warnings;
}
