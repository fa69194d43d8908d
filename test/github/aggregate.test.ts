import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { downloadRunReports, pullNumberForRun, readReportsFromFolder } from '../../src/github/aggregate.js';
import { emptyReport } from '../../src/report/files.js';
import { fakeApi } from './fake-api.js';

const REPORT = { ...emptyReport(['fp32'], { failOnUnsupported: true }, '0.1.0'), models: [] };
const zipped = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)])));

describe('readReportsFromFolder', () => {
  test('reads every report.json below the folder and ignores other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agg-'));
    for (const job of ['a', 'b']) {
      mkdirSync(join(dir, job));
      writeFileSync(join(dir, job, 'report.json'), JSON.stringify(REPORT));
      writeFileSync(join(dir, job, 'comment.md'), '# not a report');
    }
    const reports = await readReportsFromFolder(dir);
    expect(reports.map((r) => r.source)).toEqual([join(dir, 'a', 'report.json'), join(dir, 'b', 'report.json')]);
  });
});

describe('downloadRunReports', () => {
  function artifactsApi(artifacts: { id: number; name: string; size_in_bytes: number; expired: boolean }[]) {
    // The artifact download answers with the zip's bytes, as Octokit returns binary bodies.
    const zip = zipped({ 'report.json': JSON.stringify(REPORT), 'nested/report.json': JSON.stringify(REPORT), 'm/fp32.mlpackage/Manifest.json': '{}' });
    return fakeApi((route) => (route.includes('/runs/') ? { total_count: artifacts.length, artifacts } : zip.buffer));
  }

  test('downloads only unexpired artifacts whose name matches, and reads every report.json in them', async () => {
    const api = artifactsApi([
      { id: 1, name: 'coreml-report-0', size_in_bytes: 10, expired: false },
      { id: 2, name: 'coreml-report-1', size_in_bytes: 10, expired: true },
      { id: 3, name: 'coverage', size_in_bytes: 10, expired: false },
    ]);
    const reports = await downloadRunReports(api, 'o', 'r', 9, 'coreml-report-*');
    expect(reports.map((r) => r.source)).toEqual(['artifact coreml-report-0/report.json', 'artifact coreml-report-0/nested/report.json']);
    expect(api.calls.filter((c) => c.route.includes('/artifacts/{artifact_id}'))).toHaveLength(1);
  });

  test('refuses an artifact larger than the download cap before downloading it', async () => {
    const api = artifactsApi([{ id: 1, name: 'coreml-report', size_in_bytes: 300 * 1024 * 1024, expired: false }]);
    await expect(downloadRunReports(api, 'o', 'r', 9, 'coreml-report')).rejects.toThrow(/above the 209715200-byte limit/);
    expect(api.calls).toHaveLength(1);
  });
});

describe('pullNumberForRun', () => {
  test('takes the open PR whose head is the run commit, ignoring closed ones and other heads', async () => {
    const api = fakeApi(() => [
      { number: 1, state: 'closed', head: { sha: 'abc' } },
      { number: 2, state: 'open', head: { sha: 'other' } },
      { number: 3, state: 'open', head: { sha: 'abc' } },
    ]);
    expect(await pullNumberForRun(api, 'o', 'r', 'abc')).toBe(3);
  });

  test('falls back to scanning open PRs when the commit is associated with none', async () => {
    const api = fakeApi((route) => (route.includes('/commits/') ? [] : [{ number: 5, state: 'open', head: { sha: 'abc' } }]));
    expect(await pullNumberForRun(api, 'o', 'r', 'abc')).toBe(5);
  });

  test('answers undefined when no open PR has that head', async () => {
    expect(await pullNumberForRun(fakeApi(() => []), 'o', 'r', 'abc')).toBeUndefined();
  });
});
