import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, VERSION } from '../../src/cli/main.js';
import { STACK_LINE, captureIO, fixtureDir, fixtureModel, fixtureNames, makeTempDir } from './fixtures.js';
import { UNSUPPORTED_NODES, writeLfsPointer, writeTinyModel, writeUnsupportedModel, writeWrongReference } from './models.js';

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.remove());

/** Parses stdout and fails unless it holds exactly one JSON object and nothing else. */
function singleJsonObject(stdout: string): Record<string, unknown> {
  const value: unknown = JSON.parse(stdout);
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as Record<string, unknown>;
}

describe('check --json on every shared fixture', () => {
  for (const name of fixtureNames()) {
    it(`${name}: reports every op as supported and exits 0`, async () => {
      const io = captureIO();
      const code = await main(['check', fixtureModel(name), '--json'], io);
      const report = singleJsonObject(io.out());
      expect(report['model']).toBe(fixtureModel(name));
      const ops = report['ops'] as { op: string; count: number; supported: boolean }[];
      expect(ops.length).toBeGreaterThan(0);
      for (const o of ops) expect(o).toMatchObject({ op: expect.any(String), count: expect.any(Number), supported: expect.any(Boolean) });
      expect(report['unsupported']).toEqual([]);
      expect(code).toBe(0);
    });
  }
});

describe('convert', () => {
  it('writes the package and reports output, size, time and warnings as one JSON object', async () => {
    const io = captureIO();
    const out = join(temp.dir, 'simple_cnn.mlpackage');
    const code = await main(['convert', fixtureModel('seed_simple_cnn'), '-o', out, '--json'], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const report = singleJsonObject(io.out());
    expect(report).toMatchObject({ model: fixtureModel('seed_simple_cnn'), output: out, unsupported: [] });
    expect(report['sizeBytes']).toBeGreaterThan(1000);
    expect(report['seconds']).toBeGreaterThanOrEqual(0);
    expect(Array.isArray(report['warnings'])).toBe(true);
    expect(Array.isArray(report['ops'])).toBe(true);
    expect(statSync(join(out, 'Manifest.json')).isFile()).toBe(true);
  });

  it('writes next to the model when -o is not given', async () => {
    const model = writeTinyModel(temp.dir, 'beside.onnx');
    const io = captureIO();
    expect(await main(['convert', model], io)).toBe(0);
    expect(existsSync(join(temp.dir, 'beside.mlpackage', 'Manifest.json'))).toBe(true);
    expect(io.out()).toContain(`wrote ${join(temp.dir, 'beside.mlpackage')} (iOS15, fp16)`);
  });

  it('draws a progress line on stderr only when stderr is a terminal', async () => {
    const model = writeTinyModel(temp.dir, 'progress.onnx');
    const quiet = captureIO(false);
    await main(['convert', model, '-o', join(temp.dir, 'quiet.mlpackage')], quiet);
    expect(quiet.err()).not.toContain('\r');
    const tty = captureIO(true);
    await main(['convert', model, '-o', join(temp.dir, 'tty.mlpackage')], tty);
    expect(tty.err()).toContain('\r');
    expect(tty.err().endsWith('\r\x1b[K')).toBe(true);
  });

  it('exits 1 on unsupported ops and lists every {op, node} without writing a package', async () => {
    const model = writeUnsupportedModel(temp.dir);
    const out = join(temp.dir, 'never.mlpackage');
    const io = captureIO();
    const code = await main(['convert', model, '-o', out, '--json'], io);
    expect(code).toBe(1);
    const report = singleJsonObject(io.out());
    expect(report['error']).toMatchObject({ code: 'UNSUPPORTED_OP' });
    const listed = (report['unsupported'] as { op: string; node: string }[]).map(({ op, node }) => ({ op, node }));
    expect(listed).toEqual(expect.arrayContaining(UNSUPPORTED_NODES));
    expect(listed).toHaveLength(2);
    expect(existsSync(out)).toBe(false);
  });

  it('prints hostile node names escaped in the human-readable error', async () => {
    const model = writeUnsupportedModel(temp.dir);
    const io = captureIO();
    expect(await main(['convert', model, '-o', join(temp.dir, 'x.mlpackage')], io)).toBe(1);
    expect(io.err()).toContain('FrobnicateXyz');
    expect(io.err()).toContain('wibble\\n::warning::\\e[31mred');
    expect(io.err()).not.toContain('\x1b');
    expect(io.err()).not.toMatch(/^::warning::/m);
  });
});

describe('check on an unsupported model', () => {
  it('exits 1 and lists the unsupported nodes in the check report', async () => {
    const io = captureIO();
    expect(await main(['check', writeUnsupportedModel(temp.dir), '--json'], io)).toBe(1);
    const report = singleJsonObject(io.out());
    const ops = report['ops'] as { op: string; supported: boolean }[];
    expect(ops.find((o) => o.op === 'Relu')?.supported).toBe(true);
    expect(ops.find((o) => o.op === 'FrobnicateXyz')?.supported).toBe(false);
    expect((report['unsupported'] as unknown[]).length).toBe(2);
  });
});

describe('unreadable input and bad usage exit 2 with a clear message and no stack trace', () => {
  const cases: { what: string; argv: () => string[]; message: RegExp }[] = [
    { what: 'a missing model file', argv: () => ['check', join(temp.dir, 'absent.onnx')], message: /absent\.onnx/ },
    { what: 'a Git LFS pointer instead of a model', argv: () => ['convert', writeLfsPointer(temp.dir)], message: /pointer\.onnx.*LFS/i },
    { what: 'an unknown flag', argv: () => ['convert', 'm.onnx', '--turbo'], message: /--turbo/ },
    { what: 'an unknown target', argv: () => ['convert', 'm.onnx', '--target', 'iOS9'], message: /--target must be one of/ },
    { what: 'verify without a reference source', argv: () => ['verify', 'p.mlpackage'], message: /--data/ },
    { what: 'no command at all', argv: () => [], message: /missing command/ },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const io = captureIO();
      expect(await main(c.argv(), io)).toBe(2);
      expect(io.err()).toMatch(c.message);
      expect(io.err()).toMatch(/^onnx-coreml: error: /);
      expect(io.err()).not.toMatch(STACK_LINE);
      expect(io.out()).toBe('');
    });
  }

  it('answers with one JSON error object when --json was asked for', async () => {
    const io = captureIO();
    expect(await main(['check', writeLfsPointer(temp.dir), '--json'], io)).toBe(2);
    const report = singleJsonObject(io.out());
    expect(report['error']).toMatchObject({ code: 'LFS_POINTER', message: expect.stringContaining('pointer.onnx') });
  });

  it('escapes control characters in a file name it cannot find', async () => {
    const io = captureIO();
    expect(await main(['check', join(temp.dir, 'evil\x1b[2Jname\n.onnx')], io)).toBe(2);
    expect(io.err()).toContain('evil\\e[2Jname\\n.onnx');
    expect(io.err()).not.toContain('\x1b');
  });

  it('shows the stack trace for the same error with --debug', async () => {
    const io = captureIO();
    expect(await main(['check', join(temp.dir, 'absent.onnx'), '--debug'], io)).toBe(2);
    expect(io.err()).toMatch(STACK_LINE);
  });
});

describe('verify', () => {
  it('passes the converted simple CNN against its reference tensors', async () => {
    const out = join(temp.dir, 'verify_cnn.mlpackage');
    expect(await main(['convert', fixtureModel('seed_simple_cnn'), '-o', out], captureIO())).toBe(0);
    const io = captureIO();
    const code = await main(['verify', out, '--data', fixtureDir('seed_simple_cnn'), '--json'], io);
    const report = singleJsonObject(io.out());
    expect(report).toMatchObject({ pass: true, engine: expect.any(String) });
    expect((report['outputs'] as unknown[]).length).toBeGreaterThan(0);
    expect(code).toBe(0);
  });

  it('computes references with onnxruntime when given the ONNX model instead of test data', async () => {
    const out = join(temp.dir, 'verify_ort.mlpackage');
    expect(await main(['convert', fixtureModel('seed_custom_activation'), '-o', out], captureIO())).toBe(0);
    const io = captureIO();
    expect(await main(['verify', out, '--onnx', fixtureModel('seed_custom_activation')], io)).toBe(0);
    expect(io.out()).toMatch(/^PASS /);
    expect(io.out()).toContain('engine: reference interpreter');
  });

  it('exits 1 and says FAIL when the outputs disagree with the reference', async () => {
    const out = join(temp.dir, 'mismatch.mlpackage');
    expect(await main(['convert', fixtureModel('seed_simple_cnn'), '-o', out], captureIO())).toBe(0);
    const dataDir = await writeWrongReference(fixtureDir('seed_simple_cnn'), join(temp.dir, 'wrong-reference'));
    const json = captureIO();
    expect(await main(['verify', out, '--data', dataDir, '--json'], json)).toBe(1);
    expect(singleJsonObject(json.out())).toMatchObject({ pass: false, outputs: [{ pass: false }] });
    const human = captureIO();
    expect(await main(['verify', out, '--data', dataDir], human)).toBe(1);
    expect(human.out()).toMatch(/^FAIL /);
  });

  it('exits 2 for a package that does not exist', async () => {
    const io = captureIO();
    expect(await main(['verify', join(temp.dir, 'nope.mlpackage'), '--data', fixtureDir('seed_simple_cnn')], io)).toBe(2);
    expect(io.err()).toContain('nope.mlpackage');
    expect(io.err()).not.toMatch(STACK_LINE);
  });
});

describe('convert then verify on every shared fixture', () => {
  for (const name of fixtureNames()) {
    for (const precision of ['fp32', 'fp16']) {
      it(`${name} at ${precision}: both commands exit 0 and the numbers pass`, async () => {
        const out = join(temp.dir, `${name}-${precision}.mlpackage`);
        expect(await main(['convert', fixtureModel(name), '-o', out, '--precision', precision], captureIO())).toBe(0);
        const io = captureIO();
        const code = await main(['verify', out, '--data', fixtureDir(name), '--json'], io);
        expect(singleJsonObject(io.out())['pass']).toBe(true);
        expect(code).toBe(0);
      });
    }
  }
});

describe('help and version', () => {
  it('prints the package version', async () => {
    const io = captureIO();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out()).toBe(`${VERSION}\n`);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints help for each command on stdout with exit codes', async () => {
    for (const command of ['convert', 'check', 'verify']) {
      const io = captureIO();
      expect(await main([command, '--help'], io)).toBe(0);
      expect(io.out()).toContain(`onnx-coreml ${command}`);
      expect(io.out()).toContain('Exit codes:');
    }
  });
});
