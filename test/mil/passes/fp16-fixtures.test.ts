import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMlPackage } from '../../../src/coreml/package.js';
import { mainFunction, walkOperations, type MilProgram } from '../../../src/mil/ir.js';
import { applyFp16ComputePrecision } from '../../../src/mil/passes/fp16.js';
import { validateProgram } from '../../../src/mil/validate.js';

/**
 * The fp16 pass run on coremltools' fp32 packages must give the same compute
 * ops, with the same output dtypes, as coremltools' own fp16 packages: fp16
 * wherever the op's definition allows it, fp32 where it does not (lstm before
 * iOS17). Those packages have fp16 I/O, so only the casts at the edges differ.
 */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/coremltools/', import.meta.url));
const pairs = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((n) => n.endsWith('_fp32') && existsSync(join(FIXTURES, n.replace(/_fp32$/, '_fp16'), 'model.mlpackage')))
      .map((n) => n.replace(/_fp32$/, ''))
      .sort()
  : [];

/** Each compute op with the dtypes of its outputs, e.g. "lstm:float32,float32,float32", sorted. */
function computeOps(program: MilProgram): string[] {
  return [...walkOperations(mainFunction(program).block)]
    .filter((o) => o.type !== 'const' && o.type !== 'cast')
    .map((o) => `${o.type}:${o.outputs.map((v) => v.type.dtype).join(',')}`)
    .sort();
}

describe('applyFp16ComputePrecision on coremltools fp32 packages', () => {
  it('finds fp32/fp16 package pairs among the coremltools fixtures in ../shared', () => {
    expect(pairs.length, `no fp32/fp16 pairs under ${FIXTURES}: the shared fixtures are missing`).toBeGreaterThan(0);
  });

  it.each(pairs)('%s matches the compute ops of the coremltools fp16 package', async (name) => {
    const fp32 = await readMlPackage(join(FIXTURES, `${name}_fp32`, 'model.mlpackage'));
    const fp16 = await readMlPackage(join(FIXTURES, `${name}_fp16`, 'model.mlpackage'));
    const program = fp32.program;
    applyFp16ComputePrecision(program);
    expect(validateProgram(program)).toEqual([]);
    expect(computeOps(program)).toEqual(computeOps(fp16.program));
    const fn = mainFunction(program);
    expect(fn.inputs.every((i) => i.type.dtype !== 'float16')).toBe(true);
  });
});
