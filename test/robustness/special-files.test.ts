import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { captureIO, makeTempDir, STACK_LINE } from '../cli/fixtures.js';
import { externalDataModelBytes } from '../helpers/external-model.js';
import { writeTinyModel } from '../cli/models.js';

/**
 * Case 7 and the special files of issue 15: every file the tool reads goes
 * through one opener, so a FIFO (which would block the open forever), a device
 * (/dev/zero never ends), a directory or a link out of the tree is refused by
 * name with exit 2, and the process never hangs or grows.
 */

let temp: ReturnType<typeof makeTempDir>;
let pkg: string;
let model: string;
beforeAll(async () => {
  temp = makeTempDir();
  model = writeTinyModel(temp.dir);
  pkg = join(temp.dir, 'tiny.mlpackage');
  expect(await main(['convert', model, '-o', pkg, '--precision', 'fp32'], captureIO())).toBe(0);
});
afterAll(() => temp.remove());

let count = 0;
function freshDir(): string {
  const dir = join(temp.dir, `case${count++}`);
  mkdirSync(dir);
  return dir;
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** Runs the CLI and expects exit 2, one message naming `file` and matching `problem`, no stack trace. */
async function expectRefused(args: string[], file: string, problem: RegExp): Promise<void> {
  const io = captureIO();
  const code = await main(args, io);
  expect(io.err()).toContain(file);
  expect(io.err()).toMatch(problem);
  expect(io.err()).not.toMatch(STACK_LINE);
  expect(code).toBe(2);
}

/** A copy of tiny.mlpackage whose file at `part` (relative to the package) is replaced by `make`. */
function packageWith(part: string, make: (path: string) => void): string {
  const dir = freshDir();
  const copy = join(dir, 'tiny.mlpackage');
  execFileSync('cp', ['-R', pkg, copy]);
  rmSync(join(copy, part), { recursive: true, force: true });
  make(join(copy, part));
  return copy;
}

/** test_data_set_0 for tiny.onnx with good tensors, then `input_0.pb` or `output_0.pb` replaced by `make`. */
function testDataWith(file: 'input_0.pb' | 'output_0.pb', make: (path: string) => void): string {
  const dir = freshDir();
  const set = join(dir, 'test_data_set_0');
  mkdirSync(set);
  writeFileSync(join(set, 'input_0.pb'), encodeTensorProto('x', makeTensor('float32', [1, 4], Float32Array.of(1, 2, 3, 4))));
  writeFileSync(join(set, 'output_0.pb'), encodeTensorProto('y', makeTensor('float32', [1, 3], Float32Array.of(0, 0, 0))));
  rmSync(join(set, file));
  make(join(set, file));
  return dir;
}

const WEIGHT_BIN = join('Data', 'com.apple.CoreML', 'weights', 'weight.bin');
const MODEL_MLMODEL = join('Data', 'com.apple.CoreML', 'model.mlmodel');

describe('special files are refused by name, without blocking', () => {
  it("a FIFO as an initializer's external-data file", async () => {
    const dir = freshDir();
    const bytes = externalDataModelBytes({ location: 'w.bin' });
    writeFileSync(join(dir, 'model.onnx'), bytes);
    mkfifo(join(dir, 'w.bin'));
    await expectRefused(['check', join(dir, 'model.onnx')], join(dir, 'model.onnx'), /external data "w\.bin" is a FIFO \(named pipe\), not a regular file/);
  });

  it('a FIFO as the model file itself', async () => {
    const path = join(freshDir(), 'fifo.onnx');
    mkfifo(path);
    await expectRefused(['check', path], path, /the model is a FIFO \(named pipe\), not a regular file/);
  });

  it('a device named as the model (/dev/zero) is refused as a character device', async () => {
    await expectRefused(['check', '/dev/zero'], '/dev/zero', /the model is a character device, not a regular file/);
  });

  it("a FIFO as a package's weight.bin", async () => {
    const copy = packageWith(WEIGHT_BIN, mkfifo);
    await expectRefused(['verify', copy, '--onnx', model], join(copy, WEIGHT_BIN), /weight file .* is a FIFO \(named pipe\)/);
  });

  it("a FIFO as a package's model.mlmodel", async () => {
    const copy = packageWith(MODEL_MLMODEL, mkfifo);
    await expectRefused(['verify', copy, '--onnx', model], 'Manifest.json', /the root model \(Data\/com\.apple\.CoreML\/model\.mlmodel\) is a FIFO/);
  });

  it('a FIFO as a test-data .pb', async () => {
    const data = testDataWith('output_0.pb', mkfifo);
    await expectRefused(['verify', pkg, '--data', data], join(data, 'test_data_set_0', 'output_0.pb'), /the tensor file is a FIFO/);
  });

  it('input_0.pb as a symlink to /dev/zero is refused, not read until memory runs out', async () => {
    const data = testDataWith('input_0.pb', (p) => symlinkSync('/dev/zero', p));
    await expectRefused(['verify', pkg, '--data', data], join(data, 'test_data_set_0', 'input_0.pb'), /symlink that leads outside its folder/);
  });

  it('test data linked to /etc/passwd is refused and nothing of it is echoed', async () => {
    const data = testDataWith('output_0.pb', (p) => symlinkSync('/etc/passwd', p));
    const io = captureIO();
    expect(await main(['verify', pkg, '--data', data], io)).toBe(2);
    expect(io.err()).toContain(join(data, 'test_data_set_0', 'output_0.pb'));
    expect(io.err()).toMatch(/symlink that leads outside its folder/);
    expect(io.err() + io.out()).not.toMatch(/root:/);
  });

  it('a symlink that stays inside the test-data folder is still followed', async () => {
    const data = testDataWith('output_0.pb', (p) => {
      writeFileSync(join(p, '..', '..', 'expected.pb'), encodeTensorProto('y', makeTensor('float32', [1, 3], Float32Array.of(0, 0, 0))));
      symlinkSync(join('..', 'expected.pb'), p);
    });
    const io = captureIO();
    const code = await main(['verify', pkg, '--data', data, '--json'], io);
    // The reference is wrong on purpose (zeros), so the verdict is a failure (1), not a refusal (2).
    expect(io.err()).not.toMatch(/symlink/);
    expect(code).toBe(1);
  });
});

describe('a directory where a file is expected names the file', () => {
  it('model.mlmodel that is a directory', async () => {
    const copy = packageWith(MODEL_MLMODEL, (p) => mkdirSync(p));
    await expectRefused(['verify', copy, '--onnx', model], 'Manifest.json', /the root model .* is a directory, not a regular file/);
  });

  it('Manifest.json that is a directory', async () => {
    const copy = packageWith('Manifest.json', (p) => mkdirSync(p));
    await expectRefused(['verify', copy, '--onnx', model], join(copy, 'Manifest.json'), /Manifest\.json is a directory, not a regular file/);
  });

  it('input_0.pb that is a directory', async () => {
    const data = testDataWith('input_0.pb', (p) => mkdirSync(p));
    await expectRefused(['verify', pkg, '--data', data], join(data, 'test_data_set_0', 'input_0.pb'), /the tensor file is a directory, not a regular file/);
  });

  it('a Manifest item path of "" (the Data folder itself)', async () => {
    const copy = packageWith('Manifest.json', (p) => {
      copyFileSync(join(pkg, 'Manifest.json'), p);
      const manifest = JSON.parse(execFileSync('cat', [p], { encoding: 'utf8' })) as { itemInfoEntries: Record<string, { path: string }> };
      for (const item of Object.values(manifest.itemInfoEntries)) if (item.path.endsWith('model.mlmodel')) item.path = '';
      writeFileSync(p, JSON.stringify(manifest));
    });
    await expectRefused(['verify', copy, '--onnx', model], 'Manifest.json', /is a directory, not a regular file/);
  });
});
