import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR, makeTempDir } from '../cli/fixtures.js';

/**
 * CI rebuilds dist/ and fails on any difference, so the bundle must be a pure
 * function of the sources. Two builds into temporary folders must match byte
 * for byte and carry nothing of the machine that built them.
 */

const temp = makeTempDir();
let first: string;
let second: string;

function bundleInto(dir: string): void {
  execFileSync(process.execPath, [join(REPO_DIR, 'scripts', 'bundle.mjs'), '--outdir', dir], { cwd: REPO_DIR, stdio: 'pipe' });
}

const sameBytes = (a: string, b: string): boolean => readFileSync(join(a, 'cli.js')).equals(readFileSync(join(b, 'cli.js')));

beforeAll(() => {
  first = join(temp.dir, 'a');
  second = join(temp.dir, 'b');
  bundleInto(first);
  bundleInto(second);
  // Other test files may regenerate src/gen (npm run gen) while these builds read it; a
  // real nondeterminism survives a second pair of builds, a race with a rewrite does not.
  if (!sameBytes(first, second)) {
    bundleInto(first);
    bundleInto(second);
  }
});
afterAll(() => temp.remove());

describe('scripts/bundle.mjs', () => {
  it('produces byte-identical output on every build', () => {
    expect(sameBytes(first, second)).toBe(true);
  });

  it('makes cli.js an executable node script that sets up require for CommonJS dependencies', () => {
    const cli = readFileSync(join(first, 'cli.js'), 'utf8');
    expect(cli.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(cli.split('\n')[1]).toContain('createRequire');
    expect(statSync(join(first, 'cli.js')).mode & 0o111).not.toBe(0);
  });

  it('leaves both onnxruntime engines to be loaded by path at run time, never inlined', () => {
    const cli = readFileSync(join(first, 'cli.js'), 'utf8');
    expect(cli).toMatch(/resolve\(\s*["']onnxruntime-node["']\s*\)/);
    expect(cli).not.toContain('onnxruntime_binding.node');
  });

  it('ships the onnxruntime-web wasm engine beside the bundle, with its notice, and no native copy', () => {
    const ort = join(first, 'ort');
    expect(statSync(join(ort, 'ort-wasm-simd-threaded.wasm')).size).toBeGreaterThan(1_000_000);
    expect(statSync(join(ort, 'ort-wasm-simd-threaded.mjs')).size).toBeGreaterThan(0);
    expect(readFileSync(join(ort, 'onnxruntime-web.mjs'), 'utf8')).toContain('InferenceSession');
    expect(readFileSync(join(ort, 'NOTICE'), 'utf8')).toMatch(/onnxruntime-web \d+\.\d+\.\d+ .*MIT License/s);
    expect(readFileSync(join(first, 'ort', 'ort-wasm-simd-threaded.wasm')).equals(readFileSync(join(second, 'ort', 'ort-wasm-simd-threaded.wasm')))).toBe(true);
    expect(readFileSync(join(first, 'ort', 'onnxruntime-web.mjs')).equals(readFileSync(join(second, 'ort', 'onnxruntime-web.mjs')))).toBe(true);
    expect(() => statSync(join(first, 'vendor'))).toThrow();
  });

  it('computes onnxruntime references with the shipped wasm engine where no node_modules exist (as a GitHub Action runs)', () => {
    const model = join(REPO_DIR, 'examples', 'simple_cnn', 'model.onnx');
    const pkg = join(temp.dir, 'simple.mlpackage');
    execFileSync(process.execPath, [join(first, 'cli.js'), 'convert', model, '-o', pkg, '--precision', 'fp32'], { stdio: 'pipe' });
    const out = execFileSync(process.execPath, [join(first, 'cli.js'), 'verify', pkg, '--onnx', model, '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ pass: true, engine: 'reference interpreter' });
  });

  it('contains no absolute path of the machine that built it', () => {
    const cli = readFileSync(join(first, 'cli.js'), 'utf8');
    expect(cli).not.toContain(REPO_DIR);
    expect(cli).not.toContain(REPO_DIR.replace(/\/$/, ''));
  });

  it('runs from where it was written', () => {
    const version = execFileSync(process.execPath, [join(first, 'cli.js'), '--version'], { encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
