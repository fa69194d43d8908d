import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { captureIO, makeTempDir } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * Point 5 of issue 15: names are echoed capped. An op type of 100,000
 * characters once gave 500 KB of JSON and a 500 KB stderr line; a tensor name
 * that is a weight blob gave a 341 KB error line.
 */

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.remove());

const HUGE_OP = 'Op'.repeat(50_000);
const BLOB_NAME = 'w'.repeat(341_000);

function write(name: string, m: ReturnType<typeof model>): string {
  const path = join(temp.dir, name);
  writeFileSync(path, encodeOnnxModel(m));
  return path;
}

describe('every echoed name is capped', () => {
  it('an op type of 100,000 characters: check --json stays small and says how long the name was', async () => {
    const path = write('huge-op.onnx', model({ nodes: [node(HUGE_OP, ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] }));
    const io = captureIO();
    expect(await main(['check', path, '--json'], io)).toBe(1);
    expect(io.out().length).toBeLessThan(5_000);
    expect(io.out()).toContain('… (100000 characters)');
  });

  it('an op type of 100,000 characters: convert prints one short error line', async () => {
    const path = join(temp.dir, 'huge-op.onnx');
    const io = captureIO();
    expect(await main(['convert', path, '-o', join(temp.dir, 'huge-op.mlpackage')], io)).toBe(1);
    for (const line of io.err().split('\n')) expect(line.length).toBeLessThan(5_000);
    expect(io.err()).toMatch(/… \(1000\d\d characters\)/);
  });

  it('a tensor name that is a weight blob: the error names it capped', async () => {
    const path = write('blob-name.onnx', model({ nodes: [node('Relu', [BLOB_NAME], ['y'])], inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])] }));
    const io = captureIO();
    expect(await main(['check', path], io)).toBe(2);
    expect(io.err().length).toBeLessThan(2_000);
    expect(io.err()).toMatch(/"w{199}… \(3410\d\d characters\)/);
  });

  it('a tensor name that is a weight blob: the report files stay small', async () => {
    const io = captureIO();
    const out = join(temp.dir, 'out');
    expect(await main(['report', join(temp.dir, 'blob-name.onnx'), '--out', out, '--variants', 'fp32', '--json'], io)).toBe(2);
    expect(io.out().length).toBeLessThan(20_000);
  });
});
