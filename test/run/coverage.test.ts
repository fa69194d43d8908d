import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIO } from '../cli/fixtures.js';
import { UNSUPPORTED_NODES, writeUnsupportedModel } from '../cli/models.js';
import { resultFor, runWhole, type WholeRun } from '../robustness/harness.js';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'simple_cnn');

let dir: string;
let run: WholeRun;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coverage-'));
  cpSync(EXAMPLE, join(dir, 'simple_cnn'), { recursive: true });
  writeUnsupportedModel(dir);
  run = await runWhole(dir, ['simple_cnn/model.onnx', 'unsupported.onnx']);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function checkJsonRows(path: string): Promise<unknown> {
  const io = captureIO();
  await main(['check', join(dir, path), '--json'], io);
  return (JSON.parse(io.out()) as { ops: unknown }).ops;
}

describe('the comment\'s op-coverage table comes from the conversion', () => {
  it('shows MaxPool in examples/simple_cnn as the one max_pool the program holds', () => {
    expect(run.comment).toMatch(/\| `MaxPool` +\| 1 +\| 0 +\| max\\_pool +\| ✅ +\|/);
    expect(resultFor(run, 'simple_cnn/model.onnx').coverage.find((c) => c.op === 'MaxPool')).toMatchObject({ milOps: ['max_pool'], emitted: { max_pool: 1 } });
  });

  it('shows a node that failed as ❌ with the node and the reason', () => {
    const [frob] = UNSUPPORTED_NODES;
    expect(run.comment).toContain(`❌ \`${frob!.node}\`: no converter for FrobnicateXyz`);
  });

  it('gives check --json the same rows as the report, for a model that converts and one that does not', async () => {
    for (const path of ['simple_cnn/model.onnx', 'unsupported.onnx']) {
      expect(await checkJsonRows(path)).toEqual(resultFor(run, path).coverage);
    }
  });
});
