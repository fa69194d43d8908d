import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import { decodeProgram } from '../../src/coreml/program-decode.js';
import { encodeProgram } from '../../src/coreml/program-encode.js';
import { ModelInputError } from '../../src/errors.js';
import type { MilProgram } from '../../src/mil/ir.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { f32, values } from '../runtime/build.js';
import { expectedRows, smokeProgram, whileLoopProgram } from '../runtime/list-programs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'list-program-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function modelOf(program: MilProgram, outputs: string[]): CoreMLModel {
  const main = program.functions['main']!;
  return {
    specificationVersion: 6,
    inputs: main.inputs.map((i) => ({ name: i.name, type: { kind: 'multiArray', dtype: 'float32', shape: i.type.shape as number[] } })),
    outputs: outputs.map((name) => ({ name, type: { kind: 'multiArray', dtype: 'float32', shape: [] } })),
    metadata: {},
    program: { ...program, attributes: {} },
  };
}

describe('programs with lists in a package', () => {
  it('a while_loop accumulating into a list survives writing and reading the package and runs as Apple\'s test expects', async () => {
    const model = modelOf(whileLoopProgram(), ['rows']);
    const pkg = join(dir, 'loop.mlpackage');
    await writeMlPackage(model, pkg);
    const read = await readMlPackage(pkg);
    expect(read.program).toEqual(model.program);
    for (const [n, update] of [[3, [1, 2]], [4, [0.5, -2]]] as const) {
      const out = runModel(read, { num_iters: f32([1], [n]), update: f32([2], update) });
      expect(values(out['rows']!)).toEqual(expectedRows(n, update));
    }
  });

  it('keeps list types (element shape, fixed and dynamic length) through encode and decode', () => {
    for (const program of [smokeProgram(true), smokeProgram(false)]) {
      const proto = encodeProgram(program, { specificationVersion: 6 });
      const main = proto.functions!['main']!.blockSpecializations!['CoreML6']!;
      const made = main.operations![0]!.outputs![0]!.type!.listType!;
      expect(made.type?.tensorType?.dimensions?.map((d) => Number(d.constant?.size))).toEqual([2]);
      expect(decodeProgram(proto, 'm.mlmodel').functions['main']).toEqual(program.functions['main']);
    }
  });

  it('refuses a list whose element type is not a tensor type, naming the file and the value', () => {
    const proto = encodeProgram(smokeProgram(), { specificationVersion: 6 });
    const made = proto.functions!['main']!.blockSpecializations!['CoreML6']!.operations![0]!;
    made.outputs![0]!.type!.listType!.type = { dictionaryType: {} };
    expect(() => decodeProgram(proto, 'broken.mlmodel')).toThrow(ModelInputError);
    expect(() => decodeProgram(proto, 'broken.mlmodel')).toThrow(/broken\.mlmodel.*output 0 of make_list operation #0 "ls0" \(list element\) is not a tensor type \(dictionaryType\)|output 0 of make_list operation #0 "ls0" \(list element\) is not a tensor type \(dictionaryType\).*broken\.mlmodel/);
  });
});
