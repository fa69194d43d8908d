import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertOnnxModel, type ConvertOptions } from '../../src/convert/index.js';
import { readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { ModelInputError } from '../../src/errors.js';
import { mainFunction, walkOperations } from '../../src/mil/ir.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { FP32_GATE } from '../../src/parity/gates.js';
import { evaluateOutput } from '../../src/parity/verdict.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { seededTensor } from './ops/ort-parity.js';

/**
 * A conv net whose batch is symbolic, with a Reshape whose target is built
 * from Shape(x) at run time: it folds away only when the batch is known.
 */
function dynamicBatchNet(): OnnxModel {
  const weight = seededTensor([4, 3, 3, 3], 11);
  return model({
    nodes: [
      node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c'], ['r']),
      node('Shape', ['x'], ['s']),
      node('Gather', ['s', 'zero'], ['n'], { axis: 0 }),
      node('Unsqueeze', ['n', 'zero1'], ['n1']),
      node('Concat', ['n1', 'minus1'], ['target'], { axis: 0 }),
      node('Reshape', ['r', 'target'], ['y']),
    ],
    inputs: [valueInfo('x', 'float32', ['N', 3, 8, 8])],
    outputs: [valueInfo('y', 'float32', ['N', 256])],
    initializers: {
      w: weight,
      zero: makeTensor('int64', [], BigInt64Array.from([0n])),
      zero1: makeTensor('int64', [1], BigInt64Array.from([0n])),
      minus1: makeTensor('int64', [1], BigInt64Array.from([-1n])),
    },
  });
}

function convert(m: OnnxModel, options: Partial<ConvertOptions> = {}): ReturnType<typeof convertOnnxModel> {
  return convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', ...options });
}

async function ortOutput(m: OnnxModel, x: Tensor): Promise<Tensor> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const out = await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, [...x.shape]) });
  const y = out['y']!;
  return makeTensor('float32', y.dims.map(Number), Float32Array.from(y.data as Float32Array));
}

async function expectMatchesOrt(m: OnnxModel, coreml: CoreMLModel, x: Tensor): Promise<void> {
  const expected = await ortOutput(m, x);
  const actual = runModel(coreml, { [coreml.inputs[0]!.name]: x })[coreml.outputs[0]!.name]!;
  expect(actual.shape).toEqual(expected.shape);
  expect(evaluateOutput(expected, actual, FP32_GATE).pass).toBe(true);
}

function milInputShape(coreml: CoreMLModel): (number | null)[] {
  return [...mainFunction(coreml.program).inputs[0]!.type.shape];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-shapes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--input-shape overrides', () => {
  it('makes a symbolic-batch model fully static and matches onnxruntime at that shape', async () => {
    const m = dynamicBatchNet();
    const r = convert(m, { inputShapes: { x: [2, 3, 8, 8] } });
    const input = r.model.inputs[0]!.type;
    expect(input.shape).toEqual([2, 3, 8, 8]);
    expect(input.shapeRange).toBeUndefined();
    expect(r.model.outputs[0]!.type.shape).toEqual([2, 256]);
    const fn = mainFunction(r.model.program);
    for (const op of walkOperations(fn.block)) for (const o of op.outputs) expect(o.type.shape).not.toContain(null);
    // Shape → Gather → Concat folded once the batch was known.
    expect(fn.block.operations.map((o) => o.type)).not.toContain('shape');
    expect(r.warnings.join('\n')).not.toMatch(/symbolic/);
    await expectMatchesOrt(m, r.model, seededTensor([2, 3, 8, 8], 5));
  });

  it('replaces a static declared shape as well', () => {
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [1, 4])], outputs: [valueInfo('y', 'float32', [1, 4])] });
    const r = convert(m, { inputShapes: { x: [3, 4] } });
    expect(r.model.inputs[0]!.type.shape).toEqual([3, 4]);
    expect(r.model.outputs[0]!.type.shape).toEqual([3, 4]);
  });
});

describe('--range bounded dims', () => {
  it('keeps the batch dynamic with a bounded range that survives the package, and runs at batch 1 and 5 like onnxruntime', async () => {
    const m = dynamicBatchNet();
    const r = convert(m, { ranges: { x: { '0': [1, 8] } } });
    expect(r.model.inputs[0]!.type).toMatchObject({ shape: [1, 3, 8, 8], shapeRange: [[1, 8], [3, 3], [8, 8], [8, 8]] });
    expect(milInputShape(r.model)).toEqual([null, 3, 8, 8]);
    expect(r.warnings.join('\n')).not.toMatch(/symbolic/);

    const pkg = join(dir, 'ranged.mlpackage');
    await writeMlPackage(r.model, pkg);
    const back = await readMlPackage(pkg);
    expect(back.inputs[0]!.type).toMatchObject({ shapeRange: [[1, 8], [3, 3], [8, 8], [8, 8]] });
    expect(milInputShape(back)).toEqual([null, 3, 8, 8]);
    await expectMatchesOrt(m, back, seededTensor([1, 3, 8, 8], 3));
    await expectMatchesOrt(m, back, seededTensor([5, 3, 8, 8], 4));
  });

  it('names a dim by its symbolic name and takes the default from --input-shape', () => {
    const r = convert(dynamicBatchNet(), { ranges: { x: { N: [2, 16] } }, inputShapes: { x: [4, 3, 8, 8] } });
    expect(r.model.inputs[0]!.type).toMatchObject({ shape: [4, 3, 8, 8], shapeRange: [[2, 16], [3, 3], [8, 8], [8, 8]] });
    expect(milInputShape(r.model)).toEqual([null, 3, 8, 8]);
  });

  it('makes a static declared dim dynamic when the user ranges it', () => {
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [1, 4])], outputs: [valueInfo('y', 'float32', [1, 4])] });
    const r = convert(m, { ranges: { x: { '1': [2, 10] } } });
    expect(r.model.inputs[0]!.type).toMatchObject({ shape: [1, 2], shapeRange: [[1, 1], [2, 10]] });
    expect(milInputShape(r.model)).toEqual([1, null]);
    const y = runModel(r.model, { x: makeTensor('float32', [1, 7], new Float32Array(7).fill(-1)) });
    expect(Object.values(y)[0]!.shape).toEqual([1, 7]);
  });

  it('still bounds other symbolic dims of a ranged input at 1..1024, with a warning', () => {
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', ['B', 'T'])], outputs: [valueInfo('y', 'float32', ['B', 'T'])] });
    const r = convert(m, { ranges: { x: { T: [1, 77] } } });
    expect(r.model.inputs[0]!.type.shapeRange).toEqual([[1, 1024], [1, 77]]);
    expect(r.warnings.join('\n')).toMatch(/input "x": dimension 0 is symbolic and has no range/);
  });
});

describe('symbolic dims shared by name across inputs', () => {
  const idsAndMask = (): OnnxModel =>
    model({
      nodes: [node('Add', ['ids', 'mask'], ['y'])],
      inputs: [valueInfo('ids', 'float32', ['B', 'S']), valueInfo('mask', 'float32', ['B', 'S'])],
      outputs: [valueInfo('y', 'float32', ['B', 'S'])],
    });

  it('gives an unmentioned input the sizes --input-shape fixed for the same dim names, with a warning', () => {
    const r = convert(idsAndMask(), { inputShapes: { ids: [1, 8] } });
    expect(r.model.inputs.map((i) => i.type.shape)).toEqual([[1, 8], [1, 8]]);
    expect(r.model.inputs.every((i) => i.type.shapeRange === undefined)).toBe(true);
    expect(r.model.outputs[0]!.type.shape).toEqual([1, 8]);
    expect(r.warnings).toContain('input "mask": symbolic dim B (1 from "ids"), S (8 from "ids") follows the input that shares its name');
  });

  it('gives an unmentioned input the range given for the same dim name', () => {
    const r = convert(idsAndMask(), { ranges: { ids: { S: [2, 16] } } });
    expect(r.model.inputs[1]!.type).toMatchObject({ shape: [1, 2], shapeRange: [[1, 1024], [2, 16]] });
    expect(r.warnings.join('\n')).toMatch(/input "mask": symbolic dim S \(2\.\.16 from "ids"\)/);
  });

  it('leaves an input the user gave its own shape alone', () => {
    const r = convert(idsAndMask(), { inputShapes: { ids: [1, 8], mask: [1, 8] } });
    expect(r.warnings.join('\n')).not.toMatch(/follows/);
  });
});

describe('--enumerate shapes', () => {
  const twoSizes = [
    [1, 3, 8, 8],
    [2, 3, 8, 8],
  ];

  it('declares the shapes with the first as default, leaves differing dims unknown, and round-trips through the package', async () => {
    const m = dynamicBatchNet();
    const r = convert(m, { enumeratedShapes: { x: twoSizes } });
    expect(r.model.inputs[0]!.type).toMatchObject({ shape: [1, 3, 8, 8], enumeratedShapes: twoSizes });
    expect(r.model.inputs[0]!.type.shapeRange).toBeUndefined();
    expect(milInputShape(r.model)).toEqual([null, 3, 8, 8]);

    const pkg = join(dir, 'enumerated.mlpackage');
    await writeMlPackage(r.model, pkg);
    const back = await readMlPackage(pkg);
    expect(back.inputs[0]!.type).toMatchObject({ enumeratedShapes: twoSizes });
    expect(back.inputs[0]!.type.shape).toEqual([1, 3, 8, 8]);
    await expectMatchesOrt(m, back, seededTensor([2, 3, 8, 8], 9));
  });

  it('takes the default from --input-shape when it is one of the shapes', () => {
    const r = convert(dynamicBatchNet(), { enumeratedShapes: { x: twoSizes }, inputShapes: { x: [2, 3, 8, 8] } });
    expect(r.model.inputs[0]!.type.shape).toEqual([2, 3, 8, 8]);
  });

  it('lets several inputs be enumerated from iOS18 on', () => {
    const m = model({
      nodes: [node('Add', ['a', 'b'], ['y'])],
      inputs: [valueInfo('a', 'float32', ['N', 2]), valueInfo('b', 'float32', ['N', 2])],
      outputs: [valueInfo('y', 'float32', ['N', 2])],
    });
    const shapes = [[1, 2], [4, 2]];
    const r = convert(m, { target: 'iOS18', enumeratedShapes: { a: shapes, b: shapes } });
    expect(r.model.inputs.map((i) => i.type.enumeratedShapes)).toEqual([shapes, shapes]);
  });
});

describe('shape option validation', () => {
  const refuses = (m: OnnxModel, options: Partial<ConvertOptions>, message: RegExp): void => {
    let caught: unknown;
    try {
      convert(m, options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ModelInputError);
    expect((caught as ModelInputError).code).toBe('USAGE');
    expect((caught as Error).message).toMatch(message);
  };
  const twoInputs = (): OnnxModel =>
    model({
      nodes: [node('Add', ['a', 'b'], ['y'])],
      inputs: [valueInfo('a', 'float32', ['N', 2]), valueInfo('b', 'float32', ['N', 2])],
      outputs: [valueInfo('y', 'float32', ['N', 2])],
    });

  it('refuses names that are not model inputs, listing the inputs', () => {
    refuses(dynamicBatchNet(), { inputShapes: { image: [1, 3, 8, 8] } }, /cannot give "image" an input shape: the model has no input of that name \(inputs: x\)/);
    refuses(dynamicBatchNet(), { ranges: { w: { '0': [1, 2] } } }, /no input of that name/);
    refuses(dynamicBatchNet(), { enumeratedShapes: { y: [[1]] } }, /cannot give "y" enumerated shapes/);
  });

  it('refuses shapes of the wrong rank', () => {
    refuses(dynamicBatchNet(), { inputShapes: { x: [3, 8, 8] } }, /input "x" has rank 4 .*, but the input shape \[3, 8, 8\] has rank 3/);
    refuses(dynamicBatchNet(), { enumeratedShapes: { x: [[1, 3, 8, 8], [1, 3, 8]] } }, /input "x" has rank 4 .*, but the enumerated shape \[1, 3, 8\] has rank 3/);
  });

  it('refuses zero or fractional sizes', () => {
    refuses(dynamicBatchNet(), { inputShapes: { x: [0, 3, 8, 8] } }, /input "x": input shape .* must have positive integer sizes/);
  });

  it('refuses a range whose minimum is above its maximum, or that starts below 1', () => {
    refuses(dynamicBatchNet(), { ranges: { x: { '0': [8, 1] } } }, /input "x": range 8\.\.1 for dim 0 has its minimum above its maximum/);
    refuses(dynamicBatchNet(), { ranges: { x: { '0': [0, 4] } } }, /must be positive integers/);
  });

  it('refuses a range on a dim the input does not have', () => {
    refuses(dynamicBatchNet(), { ranges: { x: { '4': [1, 2] } } }, /input "x" has rank 4, so it has no dim 4/);
    refuses(dynamicBatchNet(), { ranges: { x: { batch: [1, 2] } } }, /input "x" has no dim named "batch" \(its symbolic dims are N\)/);
  });

  it('refuses a default from --input-shape outside the range', () => {
    refuses(dynamicBatchNet(), { ranges: { x: { '0': [1, 4] } }, inputShapes: { x: [6, 3, 8, 8] } }, /default size 6 of dim 0 .* outside its range 1\.\.4/);
  });

  it('refuses a default from --input-shape that is not one of the enumerated shapes', () => {
    refuses(dynamicBatchNet(), { enumeratedShapes: { x: [[1, 3, 8, 8]] }, inputShapes: { x: [2, 3, 8, 8] } }, /input shape \[2, 3, 8, 8\] is not one of its enumerated shapes/);
  });

  it('refuses mixing ranges and enumerated shapes, on one input or across inputs', () => {
    refuses(dynamicBatchNet(), { ranges: { x: { '0': [1, 2] } }, enumeratedShapes: { x: [[1, 3, 8, 8]] } }, /input "x" is given both a range and enumerated shapes/);
    refuses(twoInputs(), { ranges: { a: { N: [1, 2] } }, enumeratedShapes: { b: [[1, 2]] } }, /"b" have enumerated shapes and "a" a range; Core ML rejects models that mix the two/);
    refuses(twoInputs(), { enumeratedShapes: { b: [[1, 2], [2, 2]] } }, /input "a" has symbolic dims, which are declared as a range, while "b" has enumerated shapes/);
  });

  it('refuses several enumerated inputs before iOS18, and unequal shape counts from iOS18', () => {
    const shapes = [[1, 2], [2, 2]];
    refuses(twoInputs(), { target: 'iOS17', enumeratedShapes: { a: shapes, b: shapes } }, /inputs "a", "b" all have enumerated shapes, which Core ML allows only from iOS18 \(target is iOS17\)/);
    refuses(twoInputs(), { target: 'iOS18', enumeratedShapes: { a: shapes, b: [[1, 2]] } }, /different numbers of enumerated shapes/);
  });

  it('refuses more enumerated shapes than Core ML takes', () => {
    const many = Array.from({ length: 129 }, (_, k) => [k + 1, 3, 8, 8]);
    refuses(dynamicBatchNet(), { enumeratedShapes: { x: many } }, /has 129 enumerated shapes; Core ML takes at most 128/);
  });
});
