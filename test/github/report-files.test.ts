import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { erroredModel, withExtraModels, withNotes } from '../../src/github/report-files.js';
import { emptyReport, writeReportFiles } from '../../src/report/files.js';
import { renderReportMarkdown, withDetailsLink } from '../../src/report/markdown.js';

const base = () => emptyReport(['fp32'], { failOnUnsupported: true }, '0.1.0');

describe('report edits around the run', () => {
  test('a model the action could not run joins the tables, the failures and the verdict', () => {
    const report = withExtraModels(base(), [erroredModel('b.onnx', 'LFS_POINTER', 'pointer')], ['b.onnx: Git LFS pointer, not a model']);
    expect(report.models.map((m) => [m.path, m.status, m.error?.code])).toEqual([['b.onnx', 'error', 'LFS_POINTER']]);
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual(['b.onnx: Git LFS pointer, not a model']);
  });

  test('notes are added once', () => {
    const report = withNotes(withNotes(base(), ['listed with git diff']), ['listed with git diff']);
    expect(report.notes).toEqual(['listed with git diff']);
  });

  test('writes report.json and a comment.md that shows the same models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const report = withExtraModels(base(), [erroredModel('lfs/pointer.onnx', 'LFS_POINTER', 'pointer')], []);
    const { path } = await writeReportFiles(dir, report);
    expect(JSON.parse(readFileSync(path, 'utf8')).models[0].path).toBe('lfs/pointer.onnx');
    expect(readFileSync(join(dir, 'comment.md'), 'utf8')).toContain('`lfs/pointer.onnx`');
  });

  test('the comment is rendered once: comment.md with the artifact link added is what a rendering with that link gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const report = { ...withExtraModels(base(), [erroredModel('a (1).onnx', 'LFS_POINTER', 'pointer')], ['a: pointer']), baseCommit: '0123456789abcdef0123' };
    const written = await writeReportFiles(dir, report, { headSha: 'fedcba987654' });
    expect(readFileSync(join(dir, 'comment.md'), 'utf8')).toBe(written.comment);
    const url = 'https://github.com/o/r/actions/runs/7/artifacts/9 (x)';
    const linked = withDetailsLink(written.comment, url);
    expect(linked).toBe(renderReportMarkdown(report, { baseSha: '0123456789ab', headSha: 'fedcba987654', detailsUrl: url }));
    expect(linked).toContain('[full report and packages](https://github.com/o/r/actions/runs/7/artifacts/9%20%28x%29)');
    expect(withDetailsLink(written.comment, undefined)).toBe(written.comment);
  });
});
