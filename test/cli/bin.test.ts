import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_DIR, STACK_LINE, makeTempDir } from './fixtures.js';

/**
 * The bundled command as users run it: a real process, real streams, real exit
 * code. dist/ is produced by `npm run build`; without it these tests are skipped.
 */

const CLI = join(REPO_DIR, 'dist', 'cli.js');
const built = existsSync(CLI);
const SKIP_NOTE = built ? '' : ' [skipped: dist/cli.js not built; run npm run build]';
const EXAMPLE = join(REPO_DIR, 'examples', 'simple_cnn');

const temp = makeTempDir();
afterAll(() => temp.remove());

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)(`dist/cli.js as a process${SKIP_NOTE}`, () => {
  it('prints its version and exits 0', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('converts and verifies the bundled example, printing one JSON object each', () => {
    const out = join(temp.dir, 'simple_cnn.mlpackage');
    const converted = run(['convert', join(EXAMPLE, 'model.onnx'), '-o', out, '--json']);
    expect(converted.stderr).toBe('');
    expect(converted.status).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({ output: out });
    const verified = run(['verify', out, '--data', EXAMPLE, '--json']);
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ pass: true });
  });

  it('exits 2 on a bad flag with a one-line message and no stack trace', () => {
    const r = run(['convert', join(EXAMPLE, 'model.onnx'), '--precision', 'fp8']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^onnx-coreml: error: --precision must be one of fp16, fp32/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
