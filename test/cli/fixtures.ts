import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../../src/cli/terminal.js';

/** Shared test inputs for the CLI and pipeline tests: fixture paths, temp dirs, captured streams. */

export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/onnx/', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Names of the fixture folders that hold a model.onnx. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export const fixtureModel = (name: string): string => join(FIXTURES_DIR, name, 'model.onnx');
export const fixtureDir = (name: string): string => join(FIXTURES_DIR, name);

export function makeTempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-coreml-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CapturedIO extends CliIO {
  out(): string;
  err(): string;
}

/** In-memory stdout/stderr for calling main() in-process. */
export function captureIO(stderrIsTTY = false): CapturedIO {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    stderrIsTTY,
    out: () => out,
    err: () => err,
  };
}

/** A stack trace line as node prints it. */
export const STACK_LINE = /^\s+at /m;
