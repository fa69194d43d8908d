import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { ActionLog } from '../../src/github/log.js';
import { fitSummary, STEP_SUMMARY_LIMIT_BYTES, writeJobSummary } from '../../src/github/summary.js';
import * as core from '../helpers/actions-core.js';

vi.mock('@actions/core', () => import('../helpers/actions-core.js'));

beforeEach(core.resetCoreMock);

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
  const warnings: string[] = [];
  const log: ActionLog = { info: () => {}, warning: (m) => void warnings.push(m), error: () => {}, setSecret: () => {}, setFailed: () => {} };

  test('writes the report, cut to fit, through @actions/core summary', async () => {
    await writeJobSummary('数'.repeat(STEP_SUMMARY_LIMIT_BYTES), 'cut to fit', log);
    expect(core.summary.written).toHaveLength(1);
    expect(Buffer.byteLength(core.summary.written[0]!, 'utf8')).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES + 1);
    expect(core.summary.written[0]).toContain('cut to fit');
  });

  test('warns instead of failing when the runner has no summary file, and drops the unwritten text', async () => {
    core.summary.write.mockRejectedValueOnce(new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY'));
    await writeJobSummary('## report', 'cut', log);
    expect(warnings).toEqual(['writing the job summary failed: Unable to find environment variable for $GITHUB_STEP_SUMMARY']);
    expect(core.summary.buffer).toBe('');
  });
});
