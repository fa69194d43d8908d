import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fitSummary, STEP_SUMMARY_LIMIT_BYTES, writeJobSummary } from '../../src/github/summary.js';

describe('fitSummary', () => {
  test('keeps a summary under the limit unchanged', () => {
    expect(fitSummary('short', 'cut')).toBe('short');
  });

  test('cuts by UTF-8 bytes, not characters, so multi-byte text stays under 1 MiB', () => {
    const line = `${'数'.repeat(99)}\n`; // 3 bytes per character
    const text = line.repeat(5000); // ≈ 1.5 MB
    const fitted = fitSummary(text, 'full report in the artifact');
    expect(Buffer.byteLength(fitted, 'utf8')).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES);
    expect(fitted).toContain('full report in the artifact');
  });
});

describe('writeJobSummary', () => {
  test('appends to the step summary file and says false when there is none', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'summary-')), 'summary');
    writeFileSync(file, 'before\n');
    expect(await writeJobSummary(file, '## report', 'cut')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('before\n## report\n');
    expect(await writeJobSummary(undefined, '## report', 'cut')).toBe(false);
  });
});
