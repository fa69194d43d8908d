import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONVERTER_FAMILIES, supportedOps } from '../src/convert/registry.js';
import { milOpNames } from '../src/mil/catalogue.js';
import { MIL_OP_FAMILIES } from '../src/mil/ops/index.js';
import { FOLD_FAMILIES } from '../src/onnx/fold/index.js';
import { SHAPE_FAMILIES, shapeFunctionFor } from '../src/onnx/shapes/index.js';
import { KERNEL_FAMILIES, KERNELS } from '../src/runtime/kernels/index.js';
import { familyIndex, type FamilyTables } from '../src/tables.js';

/**
 * One op's facts live in up to five layers; these tests keep them complete and
 * findable: each layer names an op's family the same (so its files share a
 * name), and nothing is converted, defined or run without the layer below it
 * and a test.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function sourceOf(dir: string): string {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
}

const snake = (op: string): string => op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();

describe('every layer names an op family the same', () => {
  const convert = familyIndex('converter', CONVERTER_FAMILIES);
  const milFamilyOf = new Map(Object.entries(MIL_OP_FAMILIES).flatMap(([family, defs]) => defs.map((d) => [d.name, family] as const)));

  it.each([
    ['onnx/shapes', SHAPE_FAMILIES],
    ['onnx/fold', FOLD_FAMILIES],
  ] as const)('%s puts each ONNX op in the family (and file) convert/ops puts it in', (dir, families: FamilyTables<unknown>) => {
    const mismatched = [...familyIndex(dir, families)].filter(([op, family]) => convert.has(op) && convert.get(op) !== family);
    expect(mismatched.map(([op, family]) => `${op}: ${dir}/${family}.ts, convert/ops/${convert.get(op)}.ts`)).toEqual([]);
    for (const family of Object.keys(families)) expect(existsSync(join(ROOT, 'src', dir, `${family}.ts`)), `${dir}/${family}.ts`).toBe(true);
  });

  it('runtime/kernels puts each MIL op in the family (and file) mil/ops defines it in', () => {
    const mismatched = [...familyIndex('kernel', KERNEL_FAMILIES)].filter(([op, family]) => milFamilyOf.has(op) && milFamilyOf.get(op) !== family);
    expect(mismatched.map(([op, family]) => `${op}: runtime/kernels/${family}.ts, mil/ops/${milFamilyOf.get(op)}.ts`)).toEqual([]);
    for (const family of Object.keys(KERNEL_FAMILIES)) expect(existsSync(join(ROOT, 'src/runtime/kernels', `${family}.ts`)), family).toBe(true);
    for (const family of Object.keys(MIL_OP_FAMILIES)) expect(existsSync(join(ROOT, 'src/mil/ops', `${family}.ts`)), family).toBe(true);
  });

  it('convert/ops has a file for each converter family', () => {
    for (const family of Object.keys(CONVERTER_FAMILIES)) expect(existsSync(join(ROOT, 'src/convert/ops', `${family}.ts`)), family).toBe(true);
  });
});

describe('nothing is converted, defined or run without the layer below and a test', () => {
  /** Control flow types its outputs from its bodies while converting them (convert/ops/control.ts), not by a shape function. */
  const TYPED_BY_THEIR_BODIES = ['If', 'Loop', 'Scan'];

  it('every ONNX op with a converter has a shape function', () => {
    expect(supportedOps().filter((op) => !shapeFunctionFor(op) && !TYPED_BY_THEIR_BODIES.includes(op))).toEqual([]);
  });

  it('every MIL op in the catalogue has an interpreter kernel', () => {
    expect(milOpNames().filter((op) => !KERNELS[op])).toEqual([]);
  });

  it('every MIL op with an interpreter kernel has a catalogue definition, so the validator accepts programs using it', () => {
    // const is the one op the validator reads itself: its value is an attribute, not a parameter.
    const catalogued = new Set([...milOpNames(), 'const']);
    expect(Object.keys(KERNELS).filter((op) => !catalogued.has(op)).sort()).toEqual([]);
  });

  it('every MIL op in the catalogue is run by a test under test/runtime', () => {
    const tests = sourceOf('test/runtime');
    expect(milOpNames().filter((op) => !tests.includes(`'${op}'`))).toEqual([]);
  });

  it('every ONNX op with a converter is converted by a test under test/convert or by a passing ONNX backend case named after it', () => {
    const tests = sourceOf('test/convert');
    const baseline = JSON.parse(readFileSync(join(ROOT, 'test/conformance/baseline.json'), 'utf8')) as Record<string, string[]>;
    const cases = Object.values(baseline).flat();
    const namedAfter = (op: string) => [snake(op), op.toLowerCase()].map((n) => `test_${n}`);
    const untested = supportedOps().filter((op) => !tests.includes(`'${op}'`) && !cases.some((c) => namedAfter(op).some((n) => c === n || c.startsWith(`${n}_`))));
    expect(untested).toEqual([]);
  });
});
