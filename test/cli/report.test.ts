import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exitCodeOf, parseReportArgs } from '../../src/cli/report-command.js';
import type { RunReport } from '../../src/report/schema.js';
import { STACK_LINE, captureIO, makeTempDir } from './fixtures.js';
import { copyFixture, writeCorruptModel } from '../run/helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

async function report(args: string[], tty = false) {
  const io = captureIO(tty);
  const code = await main(['report', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('onnx-coreml report', () => {
  it('exits 0 when every gate passes and prints one line per model and where the files are', async () => {
    const model = copyFixture('seed_custom_activation', temp.dir, 'act');
    const out = join(temp.dir, 'out');
    const { code, out: stdout } = await report([model, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^passed\s+.*act\/model\.onnx: fp32 passed, fp16 passed$/m);
    expect(stdout).toContain(`all gates passed; report: ${out}/report.json, comment: ${out}/comment.md`);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).passed).toBe(true);
  });

  it('searches folders for models and keeps going past a corrupt one, exiting 2 for the unreadable file', async () => {
    copyFixture('seed_custom_activation', temp.dir, 'models/act');
    writeCorruptModel(join(temp.dir, 'models'), 'broken.onnx');
    const { code, out } = await report([join(temp.dir, 'models'), '--out', join(temp.dir, 'out'), '--json']);
    expect(code).toBe(2);
    const parsed = JSON.parse(out) as RunReport;
    expect(parsed.models.map((m) => m.status)).toEqual(['passed', 'error']);
    expect(parsed.failures).toHaveLength(1);
    expect(parsed.failures[0]).toMatch(/broken\.onnx: could not be processed: /);
    expect(out).not.toMatch(STACK_LINE);
  });

  it('prints exactly the JSON report under --json, identical to report.json', async () => {
    const model = copyFixture('seed_custom_activation', temp.dir, 'act');
    const out = join(temp.dir, 'out');
    const { code, out: stdout } = await report([model, '--out', out, '--json', '--variants', 'fp16']);
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(join(out, 'report.json'), 'utf8'));
    const parsed = JSON.parse(stdout) as RunReport;
    expect(parsed.variants).toEqual(['fp16']);
    expect(parsed.models[0]!.variants[0]!.outputs[0]!.psnrDb).toBeGreaterThan(40);
  });

  it('exits 1 and lists the failed gate when a user gate is missed', async () => {
    const model = copyFixture('seed_custom_activation', temp.dir, 'act');
    const { code, out } = await report([model, '--out', join(temp.dir, 'out'), '--min-psnr', '300']);
    expect(code).toBe(1);
    expect(out).toMatch(/Failed gates:\n {2}.*act\/model\.onnx \[fp16\] output "output_0": PSNR .* below the 300 dB gate/);
    expect(out).toContain('gates failed; report:');
  });

  it('exits 2 for usage errors and paths that do not exist, before running anything', async () => {
    const model = copyFixture('seed_custom_activation', temp.dir, 'act');
    const cases: [string[], RegExp][] = [
      [[model], /missing --out DIR/],
      [['--out', 'x'], /missing PATH/],
      [[model, '--out', 'x', '--variants', 'fp32,int3'], /unknown variant 'int3'/],
      [[model, '--out', 'x', '--target', 'iOS14'], /--target must be one of iOS15/],
      [[model, '--out', 'x', '--min-psnr', 'loud'], /--min-psnr must be a number of dB, got 'loud'/],
      [[model, '--out', 'x', '--max-abs-error=-1'], /--max-abs-error must be a number ≥ 0, got '-1'/],
      [[model, '--out', 'x', '--fail-on-unsupported', 'maybe'], /--fail-on-unsupported must be true or false/],
      [[model, '--out', 'x', '--max-size-increase', '5'], /--max-size-increase needs --base-ref/],
      [[model, '--out', 'x', '--frobnicate'], /unknown option '--frobnicate'/],
      [[join(temp.dir, 'nope.onnx'), '--out', 'x'], /nope\.onnx: no such file or folder/],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await report(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toMatch(message);
    }
  });

  it('prints a JSON failure on stdout for a usage error under --json', async () => {
    const { code, out } = await report(['--out', 'x', '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('shows progress on a terminal only, on stderr, and clears it at the end', async () => {
    const model = copyFixture('seed_custom_activation', temp.dir, 'act');
    const quiet = await report([model, '--out', join(temp.dir, 'a')]);
    expect(quiet.err).toBe('');
    const tty = await report([model, '--out', join(temp.dir, 'b')], true);
    expect(tty.err).toContain('act/model.onnx: reading');
    expect(tty.err.endsWith('\r\x1b[K')).toBe(true);
  });

  it('shows its help with exit 0', async () => {
    const { code, out } = await report(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: onnx-coreml report PATH\.\.\. --out DIR/);
    expect(out).toContain('--base-ref REF');
  });
});

describe('parseReportArgs', () => {
  it('lets unverified models pass only with --allow-unverified', () => {
    expect(parseReportArgs(['a.onnx', '--out', 'o'])).toMatchObject({ gates: { failOnUnsupported: true } });
    expect(parseReportArgs(['a.onnx', '--out', 'o'])).not.toHaveProperty('gates.allowUnverified');
    expect(parseReportArgs(['a.onnx', '--out', 'o', '--allow-unverified'])).toMatchObject({ gates: { allowUnverified: true } });
  });

  it('reads every option into the request', () => {
    const request = parseReportArgs([
      'a.onnx', 'models', '--out', 'o', '--base-ref', 'origin/main', '--variants', 'fp16, int8,fp16', '--target', 'iOS17',
      '--max-abs-error', '1e-3', '--min-psnr', '35', '--max-size-increase', '5', '--fail-on-unsupported', 'false', '--timeout', '90',
    ]);
    expect(request).toEqual({
      paths: ['a.onnx', 'models'],
      outDir: 'o',
      baseRef: 'origin/main',
      variants: ['fp16', 'int8'],
      target: 'iOS17',
      gates: { failOnUnsupported: false, maxAbsError: 1e-3, minPsnr: 35, maxSizeIncrease: 5 },
      timeoutSeconds: 90,
      json: false,
    });
  });

  it('defaults to fp32 and fp16 for iOS15, failing on unsupported ops, with the action\'s 600 s per model', () => {
    expect(parseReportArgs(['m.onnx', '--out', 'o'])).toEqual({
      paths: ['m.onnx'],
      outDir: 'o',
      variants: ['fp32', 'fp16'],
      target: 'iOS15',
      gates: { failOnUnsupported: true },
      json: false,
      timeoutSeconds: 600,
    });
  });
});

describe('exitCodeOf', () => {
  const base: RunReport = {
    schemaVersion: 1,
    tool: { name: 'onnx-coreml-action', version: '0' },
    engine: 'reference interpreter',
    variants: ['fp32'],
    models: [],
    gates: { failOnUnsupported: true },
    failures: [],
    passed: true,
    notes: [],
  };
  const errored = (code: string) => ({
    path: 'm.onnx', status: 'error' as const, onnxBytes: null, reference: 'none' as const, coverage: [], unsupported: [], variants: [], warnings: [], seconds: 0,
    error: { code, message: 'm.onnx: problem' },
  });

  it('is 0 when every gate passed and 1 when one failed', () => {
    expect(exitCodeOf(base)).toBe(0);
    expect(exitCodeOf({ ...base, passed: false, failures: ['x'] })).toBe(1);
  });

  it('is 2 when a model file cannot be read, and 1 for a model that times out or fails to convert', () => {
    expect(exitCodeOf({ ...base, passed: false, models: [errored('MALFORMED')] })).toBe(2);
    expect(exitCodeOf({ ...base, passed: false, models: [errored('LFS_POINTER')] })).toBe(2);
    expect(exitCodeOf({ ...base, passed: false, models: [errored('LIMIT_EXCEEDED')] })).toBe(1);
    expect(exitCodeOf({ ...base, passed: false, models: [errored('CONVERSION')] })).toBe(1);
  });
});
