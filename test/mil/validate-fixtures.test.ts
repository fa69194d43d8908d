import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { validateProgram } from '../../src/mil/validate.js';

/**
 * Programs Apple's coremltools wrote must pass our validator: a problem here
 * means a catalogue definition (parameter name, domain, const-ness or type
 * rule) disagrees with what Core ML actually accepts.
 */
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/coremltools/', import.meta.url));
const names = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((n) => existsSync(join(FIXTURES, n, 'model.mlpackage'))).sort() : [];

describe('validateProgram on packages written by coremltools', () => {
  it('finds the coremltools fixtures in ../shared', () => {
    expect(names.length, `no packages under ${FIXTURES}: the shared fixtures are missing`).toBeGreaterThan(0);
  });

  it.each(names)('%s validates without problems', async (name) => {
    const model = await readMlPackage(join(FIXTURES, name, 'model.mlpackage'));
    expect(validateProgram(model.program)).toEqual([]);
  });
});
