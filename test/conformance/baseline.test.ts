import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCase, testDataRoot, type Suite } from './cases.js';

/**
 * Regression gate: every ONNX backend case that passed when the baseline was
 * recorded (npm run conformance) must still pass.
 */
const baselinePath = new URL('./baseline.json', import.meta.url);
const baseline: Record<string, string[]> = existsSync(baselinePath) ? JSON.parse(readFileSync(baselinePath, 'utf8')) : {};
const haveData = existsSync(testDataRoot());
const work = mkdtempSync(join(tmpdir(), 'onnx-baseline-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('ONNX backend conformance baseline', () => {
  it('has the test data installed (libonnx-testdata)', () => {
    expect(haveData, `missing ${testDataRoot()}: install the Debian package libonnx-testdata`).toBe(true);
  });

  for (const [suite, cases] of Object.entries(baseline)) {
    describe(suite, () => {
      it.each(cases)('%s still passes', async (name) => {
        const r = await runCase(suite as Suite, name, work);
        expect(r.status, `${r.stage ?? ''}: ${r.reason ?? ''}`).toBe('passed');
        // What a node became must be among the ops its converter declares, which docs/ops.md lists.
        expect(r.undeclared).toEqual([]);
      });
    });
  }
});
