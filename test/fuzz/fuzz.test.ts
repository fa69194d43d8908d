import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign } from './campaign.js';
import { onnxReader, packageReader, testDataReader, type FuzzReader } from './readers.js';

/**
 * The seeded mutation fuzzer, bounded for CI: a thousand mutated inputs per
 * reader, each of which must be accepted or refused with a typed error. A
 * longer run is `npm run fuzz`; a crash it finds becomes a named regression
 * test (test/robustness/invalid-graphs.test.ts) before the fix.
 */

const RUNS = 1_000;
/** Far above any case's real time (well under 100 ms), so a loaded CI machine does not count as a hang. */
const HANG_MS = 5_000;

const readers: FuzzReader[] = [];
beforeAll(async () => {
  readers.push(onnxReader(), await packageReader(), testDataReader());
});
afterAll(() => readers.forEach((r) => r.dispose()));

describe('mutated inputs give typed errors, never crashes or hangs', () => {
  for (const [k, name] of ['onnx', 'package', 'test-data'].entries()) {
    it(`${name} reader`, () => {
      const reader = readers.find((r) => r.name === name)!;
      const result = runCampaign(reader, { runs: RUNS, seed: 1500 + k, hangMs: HANG_MS });
      expect(result.samples).toEqual([]);
      expect(result.crashes + result.hangs).toBe(0);
      expect(result.runs).toBe(RUNS);
      // The mutator must reach past the parser: some inputs are accepted, many refused.
      expect(result.accepted).toBeGreaterThan(RUNS / 20);
      expect(result.cleanErrors).toBeGreaterThan(RUNS / 5);
    }, 60_000);
  }
});
