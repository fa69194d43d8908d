import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';
import { parseReportArgs } from '../../src/cli/report-command.js';
import { CONVERT_HELP } from '../../src/cli/usage.js';
import { readMlPackage } from '../../src/coreml/package.js';
import { ToolError } from '../../src/errors.js';
import { mainFunction } from '../../src/mil/ir.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { STACK_LINE, captureIO, makeTempDir } from './fixtures.js';
import { usageMessage } from './usage-error.js';

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir();
});
afterAll(() => temp.remove());

/** x[N, 4] → Relu → y, with the batch symbolic. */
function writeBatchModel(name = 'batch.onnx'): string {
  const m = model({
    nodes: [node('Relu', ['x'], ['y'])],
    inputs: [valueInfo('x', 'float32', ['N', 4])],
    outputs: [valueInfo('y', 'float32', ['N', 4])],
  });
  const path = join(temp.dir, name);
  writeFileSync(path, encodeOnnxModel(m));
  return path;
}

describe('parseCommandLine: shape options of convert', () => {
  it('reads repeated --input-shape, --range and --enumerate into per-input records', () => {
    const r = parseCommandLine([
      'convert', 'm.onnx',
      '--input-shape', 'x=1x3x224x224', '--input-shape', 'mask=1X77',
      '--range', 'ids:seq=1..512', '--range', 'ids:0=1..4',
      '--enumerate', 'img=1x3x224x224,1x3x320x320',
    ]);
    expect(r).toMatchObject({
      inputShapes: { x: [1, 3, 224, 224], mask: [1, 77] },
      ranges: { ids: { seq: [1, 512], '0': [1, 4] } },
      enumeratedShapes: { img: [[1, 3, 224, 224], [1, 3, 320, 320]] },
    });
  });

  it('splits at the last colon and equals sign, so input names may contain colons', () => {
    const r = parseCommandLine(['convert', 'm.onnx', '--range', 'input:0:1=2..9', '--input-shape', 'input:0=1x9']);
    expect(r).toMatchObject({ ranges: { 'input:0': { '1': [2, 9] } }, inputShapes: { 'input:0': [1, 9] } });
  });

  it('leaves the shape options out when none is given', () => {
    const r = parseCommandLine(['convert', 'm.onnx']);
    expect(r).not.toHaveProperty('inputShapes');
    expect(r).not.toHaveProperty('ranges');
    expect(r).not.toHaveProperty('enumeratedShapes');
  });

  it.each([
    ['--input-shape', 'x', /--input-shape takes NAME=SIZExSIZE/],
    ['--input-shape', 'x=1x0x3', /--input-shape takes NAME=SIZExSIZE.*got 'x=1x0x3'/],
    ['--input-shape', '=1x3', /--input-shape takes/],
    ['--input-shape', 'x=1x3.5', /--input-shape takes/],
    ['--range', 'x=1..8', /--range takes NAME:DIM=MIN..MAX/],
    ['--range', 'x:0=1-8', /--range takes NAME:DIM=MIN..MAX/],
    ['--range', 'x:=1..8', /--range takes/],
    ['--range', 'x:0=0..8', /--range takes/],
    ['--range', 'x:0=9..8', /--range x:0: the minimum 9 is above the maximum 8/],
    ['--enumerate', 'x=1x3,', /--enumerate takes NAME=SHAPE,SHAPE/],
    ['--enumerate', 'x', /--enumerate takes/],
  ])('refuses %s %s with a usage error', (flag, value, message) => {
    const text = usageMessage(['convert', 'm.onnx', flag, value]);
    expect(text).toMatch(message);
    expect(text).toContain("onnx-coreml convert --help");
  });

  it('refuses the same input or dim given twice', () => {
    expect(usageMessage(['convert', 'm.onnx', '--input-shape', 'x=1', '--input-shape', 'x=2'])).toMatch(/names input 'x' twice/);
    expect(usageMessage(['convert', 'm.onnx', '--range', 'x:0=1..2', '--range', 'x:0=1..3'])).toMatch(/gives dim 0 of input 'x' twice/);
    expect(usageMessage(['convert', 'm.onnx', '--enumerate', 'x=1,2', '--enumerate', 'x=3'])).toMatch(/names input 'x' twice/);
  });

  it('documents all three options in the convert help', () => {
    expect(CONVERT_HELP).toContain('--input-shape NAME=SHAPE');
    expect(CONVERT_HELP).toContain('--range NAME:DIM=MIN..MAX');
    expect(CONVERT_HELP).toContain('--enumerate NAME=SHAPE,SHAPE...');
  });
});

describe('parseReportArgs: --input-shape', () => {
  it('reads repeated shapes for the run', () => {
    const r = parseReportArgs(['models', '--out', 'out', '--input-shape', 'x=2x4', '--input-shape', 'ids=1x128']);
    expect(r).toMatchObject({ inputShapes: { x: [2, 4], ids: [1, 128] } });
  });

  it('refuses a malformed shape with a usage error pointing at report --help', () => {
    let caught: unknown;
    try {
      parseReportArgs(['models', '--out', 'out', '--input-shape', 'x=2by4']);
    } catch (err) {
      caught = err;
    }
    expect((caught as ToolError).code).toBe('USAGE');
    expect((caught as Error).message).toMatch(/--input-shape takes NAME=SIZExSIZE.*onnx-coreml report --help/);
  });
});

describe('onnx-coreml convert with shape options', () => {
  it('--input-shape writes a package with a static input and output', async () => {
    const out = join(temp.dir, 'static.mlpackage');
    const io = captureIO();
    expect(await main(['convert', writeBatchModel(), '-o', out, '--input-shape', 'x=3x4', '--json'], io)).toBe(0);
    const back = await readMlPackage(out);
    expect(back.inputs[0]!.type).toEqual({ kind: 'multiArray', dtype: 'float32', shape: [3, 4] });
    expect(back.outputs[0]!.type.shape).toEqual([3, 4]);
    expect((JSON.parse(io.out()) as { warnings: string[] }).warnings.join('\n')).not.toMatch(/symbolic/);
  });

  it('--range writes the bounded range and leaves the program dim unknown', async () => {
    const out = join(temp.dir, 'ranged.mlpackage');
    expect(await main(['convert', writeBatchModel(), '-o', out, '--range', 'x:N=2..16'], captureIO())).toBe(0);
    const back = await readMlPackage(out);
    expect(back.inputs[0]!.type).toMatchObject({ shape: [2, 4], shapeRange: [[2, 16], [4, 4]] });
    expect(mainFunction(back.program).inputs[0]!.type.shape).toEqual([null, 4]);
  });

  it('--enumerate writes the enumerated shapes', async () => {
    const out = join(temp.dir, 'enumerated.mlpackage');
    expect(await main(['convert', writeBatchModel(), '-o', out, '--enumerate', 'x=1x4,8x4'], captureIO())).toBe(0);
    expect((await readMlPackage(out)).inputs[0]!.type).toMatchObject({ shape: [1, 4], enumeratedShapes: [[1, 4], [8, 4]] });
  });

  it('exits 2 naming the input when a shape option does not fit the model', async () => {
    const io = captureIO();
    expect(await main(['convert', writeBatchModel(), '-o', join(temp.dir, 'bad.mlpackage'), '--input-shape', 'x=1x2x4'], io)).toBe(2);
    expect(io.err()).toMatch(/input "x" has rank 2/);
    expect(io.err()).not.toMatch(STACK_LINE);
  });

  it('exits 2 on a malformed value before reading the model', async () => {
    const io = captureIO();
    expect(await main(['convert', join(temp.dir, 'absent.onnx'), '--range', 'x:0=8..1'], io)).toBe(2);
    expect(io.err()).toMatch(/--range x:0: the minimum 8 is above the maximum 1/);
  });
});
