import type { MilProgram } from '../mil/ir.js';
import { eliminateDeadCode } from '../mil/passes/dead-code.js';
import { applyFp16ComputePrecision, type Fp16Options } from '../mil/passes/fp16.js';

/**
 * The MIL passes conversion always runs: fp16 compute precision when asked
 * (model I/O stays fp32, casts inside), then dead-code elimination, which
 * also drops constants that only fed folded or replaced values.
 */
export function runProgramPasses(program: MilProgram, precision: 'fp16' | 'fp32', fp16: Fp16Options = {}): string[] {
  const warnings: string[] = [];
  if (precision === 'fp16') warnings.push(...applyFp16ComputePrecision(program, fp16).warnings);
  eliminateDeadCode(program);
  return warnings;
}
