import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArrayFeature, CoreMLModel } from '../../src/coreml/model.js';
import { encodeModel, readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import { ConversionError, ToolError } from '../../src/errors.js';
import { CoreML } from '../../src/gen/coreml.js';
import type { MilOperation, MilVar } from '../../src/mil/ir.js';
import { isOnDemand } from '../../src/tensor/on-demand.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlpackage-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function op(type: string, name: string, inputs: Record<string, string[]>, outputs: MilVar[], extra: Partial<MilOperation> = {}): MilOperation {
  const bindings = Object.fromEntries(Object.entries(inputs).map(([k, names]) => [k, names.map((n) => ({ kind: 'name' as const, name: n }))]));
  return { type, name, inputs: bindings, outputs, attributes: {}, blocks: [], ...extra };
}

function constOp(name: string, value: Tensor): MilOperation {
  return op('const', name, {}, [{ name, type: { dtype: value.dtype, shape: [...value.shape] } }], { attributes: { val: value } });
}

const f16 = (shape: (number | null)[]) => ({ dtype: 'float16' as const, shape });

/** An iOS16 program touching blobs, immediates, variadic params, constexpr attributes and nested blocks. */
function sampleModel(): CoreMLModel {
  const weight = makeTensor('float16', [4, 3], Uint16Array.from({ length: 12 }, (_, i) => 0x3c00 + i * 16));
  const quantized = makeTensor('int8', [4, 3], Int8Array.from({ length: 12 }, (_, i) => i - 6));
  const operations: MilOperation[] = [
    constOp('dtype_0', makeTensor('string', [], ['fp16'])),
    op('cast', 'cast_0', { x: ['x'], dtype: ['dtype_0'] }, [{ name: 'x_fp16', type: f16([1, 3]) }]),
    constOp('w', weight),
    constOp('b', makeTensor('float16', [4], Uint16Array.from([0, 0x3c00, 0x4000, 0x4200]))),
    op('constexpr_affine_dequantize', 'w_q', {}, [{ name: 'w_q', type: f16([4, 3]) }], {
      attributes: {
        quantized_data: quantized,
        scale: makeTensor('float16', [], Uint16Array.from([0x2e66])),
        zero_point: makeTensor('int8', [], Int8Array.from([0])),
        axis: makeTensor('int32', [], Int32Array.from([0])),
      },
    }),
    op('linear', 'linear_0', { x: ['x_fp16'], weight: ['w'], bias: ['b'] }, [{ name: 'y1', type: f16([1, 4]) }]),
    op('linear', 'linear_1', { x: ['x_fp16'], weight: ['w_q'] }, [{ name: 'y2', type: f16([1, 4]) }]),
    constOp('axis_0', makeTensor('int32', [], Int32Array.from([1]))),
    constOp('interleave_0', makeTensor('bool', [], Uint8Array.from([0]))),
    op('concat', 'concat_0', { values: ['y1', 'y2'], axis: ['axis_0'], interleave: ['interleave_0'] }, [{ name: 'y', type: f16([1, 8]) }]),
    constOp('pred', makeTensor('bool', [], Uint8Array.from([1]))),
    op('cond', 'cond_0', { pred: ['pred'] }, [{ name: 'z', type: f16([1, 8]) }], {
      blocks: [
        { inputs: [], operations: [op('identity', 'id_t', { x: ['y'] }, [{ name: 'zt', type: f16([1, 8]) }])], outputs: ['zt'] },
        { inputs: [], operations: [op('relu', 'relu_f', { x: ['y'] }, [{ name: 'zf', type: f16([1, 8]) }])], outputs: ['zf'] },
      ],
    }),
  ];
  return {
    specificationVersion: 7,
    inputs: [{ name: 'x', type: { kind: 'multiArray', dtype: 'float32', shape: [1, 3], shapeRange: [[1, 1], [1, 3]] } }],
    outputs: [{ name: 'z', type: { kind: 'multiArray', dtype: 'float16', shape: [1, 8] } }],
    metadata: { author: 'tests', versionString: '1.2', userDefined: { 'com.example.key': 'value' } },
    program: {
      functions: { main: { inputs: [{ name: 'x', type: { dtype: 'float32', shape: [1, 3] } }], opset: 'CoreML6', block: { inputs: [], operations, outputs: ['z'] } } },
      attributes: {},
    },
  };
}

/** iOS18 constexpr ops bind their parameters by inline value in `inputs`. */
function ios18Model(): CoreMLModel {
  const data = makeTensor('int4', [4, 4], Int8Array.from({ length: 16 }, (_, i) => (i % 16) - 8));
  const scale = makeTensor('float16', [4, 1], Uint16Array.from([0x3c00, 0x3800, 0x3400, 0x3000]));
  const ops: MilOperation[] = [
    {
      type: 'constexpr_blockwise_shift_scale',
      name: 'w_dq',
      inputs: { data: [{ kind: 'value', value: data }], scale: [{ kind: 'value', value: scale }] },
      outputs: [{ name: 'w_dq', type: f16([4, 4]) }],
      attributes: {},
      blocks: [],
    },
    op('linear', 'linear_0', { x: ['x'], weight: ['w_dq'] }, [{ name: 'y', type: f16([1, 4]) }]),
  ];
  return {
    specificationVersion: 9,
    inputs: [{ name: 'x', type: { kind: 'multiArray', dtype: 'float16', shape: [1, 4], enumeratedShapes: [[1, 4], [2, 4]] } }],
    outputs: [{ name: 'y', type: { kind: 'multiArray', dtype: 'float16', shape: [] } }],
    metadata: {},
    program: { functions: { main: { inputs: [{ name: 'x', type: f16([null, 4]) }], opset: 'CoreML8', block: { inputs: [], operations: ops, outputs: ['y'] } } }, attributes: {} },
  };
}

type RawModel = CoreML.Specification.Model.$Properties;
type RawOp = CoreML.Specification.MILSpec.Operation.$Properties;
type RawValue = CoreML.Specification.MILSpec.Value.$Properties;

function rawModel(pkg: string): RawModel {
  return CoreML.Specification.Model.decode(readFileSync(join(pkg, 'Data/com.apple.CoreML/model.mlmodel')));
}

function rawOps(model: RawModel): RawOp[] {
  const ops = model.mlProgram?.functions?.['main']?.blockSpecializations?.['CoreML6']?.operations;
  if (!ops) throw new Error('no CoreML6 block in main');
  return ops;
}

/** The op whose first output is `output`. */
function rawOp(model: RawModel, output: string): RawOp {
  const op = rawOps(model).find((o) => o.outputs?.[0]?.name === output);
  if (!op) throw new Error(`no op defines ${output}`);
  return op;
}

function rawAttr(op: RawOp, key: string): RawValue {
  const value = op.attributes?.[key];
  if (!value) throw new Error(`op has no attribute ${key}`);
  return value;
}

/** Rewrites the model spec of a written package. */
function editRawModel(pkg: string, edit: (m: RawModel) => void): void {
  const path = join(pkg, 'Data/com.apple.CoreML/model.mlmodel');
  const model = CoreML.Specification.Model.decode(readFileSync(path));
  edit(model);
  writeFileSync(path, CoreML.Specification.Model.encode(model).finish());
}

describe('writeMlPackage / readMlPackage', () => {
  it('reads back the same ops, names, types, attributes, blocks and weights', async () => {
    const model = sampleModel();
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(model, pkg);
    expect(await readMlPackage(pkg)).toEqual(model);
  });

  it('round-trips iOS18 constexpr parameters bound by inline value, flexible shapes and fp16 I/O', async () => {
    const model = ios18Model();
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(model, pkg);
    expect(await readMlPackage(pkg)).toEqual(model);
  });

  it('stores constants of ten or more elements in weight.bin and smaller ones inline', async () => {
    const pkg = join(dir, 'm.mlpackage');
    const { weightBytes } = await writeMlPackage(sampleModel(), pkg);
    const model = rawModel(pkg);
    expect(rawAttr(rawOp(model, 'w'), 'val').blobFileValue?.fileName).toBe('@model_path/weights/weight.bin');
    expect(Number(rawAttr(rawOp(model, 'w'), 'val').blobFileValue?.offset)).toBe(64);
    expect(rawAttr(rawOp(model, 'b'), 'val').immediateValue?.tensor?.bytes).toBeTruthy();
    expect(rawAttr(rawOp(model, 'w_q'), 'quantized_data').blobFileValue).toBeTruthy();
    expect(rawAttr(rawOp(model, 'w_q'), 'scale').immediateValue).toBeTruthy();
    expect(rawOp(model, 'y').inputs?.['values']?.arguments?.map((a) => a.name)).toEqual(['y1', 'y2']);
    expect(weightBytes).toBe(readFileSync(join(pkg, 'Data/com.apple.CoreML/weights/weight.bin')).byteLength);
    expect(weightBytes).toBe(64 + 64 + 24 + 40 + 64 + 12);
  });

  it('gives every op a name attribute and keys the block by the opset', async () => {
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(sampleModel(), pkg);
    const model = rawModel(pkg);
    expect(Number(model.mlProgram?.version)).toBe(1);
    const fn = model.mlProgram?.functions?.['main'];
    expect(fn?.opset).toBe('CoreML6');
    expect(Object.keys(fn?.blockSpecializations ?? {})).toEqual(['CoreML6']);
    for (const o of rawOps(model)) expect(rawAttr(o, 'name').immediateValue?.tensor?.strings?.values).toHaveLength(1);
  });

  it('writes the manifest coremltools writes', async () => {
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(sampleModel(), pkg);
    const text = readFileSync(join(pkg, 'Manifest.json'), 'utf8');
    expect(text).toMatch(/^\{\n {4}"fileFormatVersion": "1\.0\.0",\n {4}"itemInfoEntries"/);
    const manifest = JSON.parse(text) as { itemInfoEntries: Record<string, Record<string, string>>; rootModelIdentifier: string };
    const ids = Object.keys(manifest.itemInfoEntries);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(manifest.itemInfoEntries[manifest.rootModelIdentifier]).toEqual({
      author: 'com.apple.CoreML', description: 'CoreML Model Specification', name: 'model.mlmodel', path: 'com.apple.CoreML/model.mlmodel',
    });
    expect(Object.values(manifest.itemInfoEntries).map((i) => i['path']).sort()).toEqual(['com.apple.CoreML/model.mlmodel', 'com.apple.CoreML/weights']);
  });

  it('writes byte-identical packages for the same model, so a re-run gives the same checksums', async () => {
    const files = ['Manifest.json', 'Data/com.apple.CoreML/model.mlmodel', 'Data/com.apple.CoreML/weights/weight.bin'];
    const first = join(dir, 'first.mlpackage');
    const second = join(dir, 'second.mlpackage');
    await writeMlPackage(sampleModel(), first);
    await writeMlPackage(sampleModel(), second);
    for (const f of files) expect(readFileSync(join(second, f)).equals(readFileSync(join(first, f))), f).toBe(true);
  });

  it('names the weights item after its content: other weights get another identifier', async () => {
    const ids = (pkg: string) => Object.keys((JSON.parse(readFileSync(join(pkg, 'Manifest.json'), 'utf8')) as { itemInfoEntries: object }).itemInfoEntries).sort();
    const original = join(dir, 'a.mlpackage');
    const changed = join(dir, 'b.mlpackage');
    await writeMlPackage(sampleModel(), original);
    const other = sampleModel();
    const w = other.program.functions['main']!.block.operations.find((o) => o.name === 'w')!;
    (w.attributes['val']!.data as Uint16Array)[0] = 0x4400;
    await writeMlPackage(other, changed);
    expect(ids(changed)).not.toEqual(ids(original));
  });

  it('reports the package size as the sum of its files', async () => {
    const pkg = join(dir, 'm.mlpackage');
    const { sizeBytes, weightBytes } = await writeMlPackage(sampleModel(), pkg);
    const files = ['Manifest.json', 'Data/com.apple.CoreML/model.mlmodel', 'Data/com.apple.CoreML/weights/weight.bin'];
    expect(sizeBytes).toBe(files.reduce((n, f) => n + readFileSync(join(pkg, f)).byteLength, 0));
    expect(weightBytes).toBeGreaterThan(64);
  });

  it('refuses fp16 model I/O before specification version 7 and keeps the existing package', async () => {
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(sampleModel(), pkg);
    const before = readFileSync(join(pkg, 'Manifest.json'), 'utf8');
    const bad = { ...sampleModel(), specificationVersion: 6 };
    bad.program.functions['main']!.opset = 'CoreML5';
    await expect(writeMlPackage(bad, pkg)).rejects.toThrow(ConversionError);
    await expect(writeMlPackage(bad, pkg)).rejects.toThrow(/float16.*specification version 7/);
    expect(readFileSync(join(pkg, 'Manifest.json'), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['m.mlpackage']);
  });

  it('replaces an existing package in place', async () => {
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(sampleModel(), pkg);
    writeFileSync(join(pkg, 'stale.txt'), 'old');
    await writeMlPackage(ios18Model(), pkg);
    expect(existsSync(join(pkg, 'stale.txt'))).toBe(false);
    expect((await readMlPackage(pkg)).specificationVersion).toBe(9);
    expect(readdirSync(dir)).toEqual(['m.mlpackage']);
  });

  it('refuses an opset newer than the specification version', async () => {
    const model = { ...ios18Model(), specificationVersion: 8 };
    await expect(writeMlPackage(model, join(dir, 'm.mlpackage'))).rejects.toThrow(/opset CoreML8, newer than specification version 8/);
  });

  it('refuses names outside the MIL identifier grammar', () => {
    const model = sampleModel();
    model.program.functions['main']!.block.operations[1]!.name = 'cast.0';
    expect(() => encodeModel(model)).toThrow(/cast op name "cast\.0" is not a valid MIL identifier/);
  });

  it('writes buildInfo as the string dictionary Core ML expects and reads it back as JSON', async () => {
    const model = sampleModel();
    model.program.attributes = { buildInfo: JSON.stringify({ 'tool-version': '0.1.0' }) };
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(model, pkg);
    const attr = rawModel(pkg).mlProgram?.attributes?.['buildInfo'];
    expect(attr?.type?.dictionaryType).toBeTruthy();
    expect(attr?.immediateValue?.dictionary?.values).toHaveLength(1);
    expect((await readMlPackage(pkg)).program.attributes).toEqual(model.program.attributes);
  });

  it('rewrites a package written by coremltools into one that reads back identically', async () => {
    const fixtures = new URL('../../../shared/fixtures/coremltools/', import.meta.url);
    for (const name of ['tiny_transformer_palettize4', 'tiny_lstm_fp16', 'tiny_convnet_int8']) {
      const original = await readMlPackage(fileURLToPath(new URL(`${name}/model.mlpackage`, fixtures)));
      const pkg = join(dir, `${name}.mlpackage`);
      await writeMlPackage(original, pkg);
      expect(await readMlPackage(pkg)).toEqual(original);
    }
  });

  it('refuses description names that differ from the main function', async () => {
    const model = sampleModel();
    model.outputs[0]!.name = 'other';
    expect(() => encodeModel(model)).toThrow(/outputs do not match/);
  });
});

describe('readMlPackage with weights read on demand', () => {
  it('reads the same model, each weight from disk only when its data is first read', async () => {
    const model = sampleModel();
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(model, pkg);
    const read = await readMlPackage(pkg, { weights: 'on-demand' });
    const ops = read.program!.functions['main']!.block.operations;
    const weight = ops.find((o) => o.name === 'w')!.attributes['val']!;
    const bias = ops.find((o) => o.name === 'b')!.attributes['val']!;
    expect(isOnDemand(weight)).toBe(true);
    expect(isOnDemand(bias)).toBe(false);
    expect(read).toEqual(model);
  });

  it('refuses weights from a weight file that changed after the package was read, naming the file', async () => {
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(sampleModel(), pkg);
    const read = await readMlPackage(pkg, { weights: 'on-demand' });
    const weights = join(pkg, 'Data/com.apple.CoreML/weights/weight.bin');
    writeFileSync(weights, readFileSync(weights).subarray(0, 100));
    const weight = read.program!.functions['main']!.block.operations.find((o) => o.name === 'w')!.attributes['val']!;
    expect(() => weight.data).toThrow(expect.objectContaining({ code: 'INVALID_PACKAGE', file: weights, message: expect.stringContaining('changed on disk') }));
  });
});

describe('readMlPackage rejects broken packages', () => {
  async function writtenPackage(): Promise<string> {
    const pkg = join(dir, 'm.mlpackage');
    await writeMlPackage(sampleModel(), pkg);
    return pkg;
  }

  function editManifest(pkg: string, edit: (m: Record<string, unknown>) => void): void {
    const path = join(pkg, 'Manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    edit(manifest);
    writeFileSync(path, JSON.stringify(manifest));
  }

  async function expectInvalid(pkg: string, pattern: RegExp): Promise<void> {
    const err = await readMlPackage(pkg).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('INVALID_PACKAGE');
    expect((err as Error).message).toMatch(pattern);
  }

  const items = (m: Record<string, unknown>) => m['itemInfoEntries'] as Record<string, Record<string, string>>;

  it('a missing Manifest.json', async () => {
    const pkg = await writtenPackage();
    rmSync(join(pkg, 'Manifest.json'));
    await expectInvalid(pkg, /m\.mlpackage: Manifest\.json is missing/);
  });

  it('a manifest that is not JSON', async () => {
    const pkg = await writtenPackage();
    writeFileSync(join(pkg, 'Manifest.json'), '{');
    await expectInvalid(pkg, /Manifest\.json: not valid JSON/);
  });

  it('a missing or newer fileFormatVersion', async () => {
    const pkg = await writtenPackage();
    editManifest(pkg, (m) => delete m['fileFormatVersion']);
    await expectInvalid(pkg, /fileFormatVersion is missing/);
    editManifest(pkg, (m) => (m['fileFormatVersion'] = '1.1.0'));
    await expectInvalid(pkg, /newer than the supported 1\.0\.0/);
    editManifest(pkg, (m) => (m['fileFormatVersion'] = '1.0'));
    await expectInvalid(pkg, /not major\.minor\.patch/);
  });

  it('an item without all four keys', async () => {
    const pkg = await writtenPackage();
    editManifest(pkg, (m) => delete Object.values(items(m))[0]!['author']);
    await expectInvalid(pkg, /invalid itemInfo for identifier/);
  });

  it('a root model identifier that is missing or unknown', async () => {
    const pkg = await writtenPackage();
    editManifest(pkg, (m) => (m['rootModelIdentifier'] = 'nope'));
    await expectInvalid(pkg, /root model identifier "nope"/);
    editManifest(pkg, (m) => delete m['rootModelIdentifier']);
    await expectInvalid(pkg, /rootModelIdentifier is missing/);
  });

  it('an item whose file does not exist', async () => {
    const pkg = await writtenPackage();
    rmSync(join(pkg, 'Data/com.apple.CoreML/weights'), { recursive: true });
    await expectInvalid(pkg, /item does not exist for identifier/);
  });

  it('an item path that leaves the Data folder', async () => {
    const pkg = await writtenPackage();
    editManifest(pkg, (m) => (Object.values(items(m))[0]!['path'] = '../../../etc/passwd'));
    await expectInvalid(pkg, /outside Data\//);
  });

  it('a weight file name that leaves the package or lacks @model_path', async () => {
    for (const fileName of ['@model_path/../../../../weight.bin', 'weights/weight.bin']) {
      const pkg = await writtenPackage();
      editRawModel(pkg, (m) => (rawAttr(rawOp(m, 'w'), 'val').blobFileValue = { fileName, offset: 64 }));
      await expectInvalid(pkg, fileName.startsWith('@') ? /points outside the package/ : /does not start with @model_path/);
    }
  });

  it('a blob offset that points past the weight file', async () => {
    const pkg = await writtenPackage();
    editRawModel(pkg, (m) => (rawAttr(rawOp(m, 'w'), 'val').blobFileValue = { fileName: '@model_path/weights/weight.bin', offset: 1 << 20 }));
    await expectInvalid(pkg, /weight\.bin: blob offset 1048576 is outside the weight file/);
  });

  it('model bytes that are not a Model protobuf', async () => {
    const pkg = await writtenPackage();
    writeFileSync(join(pkg, 'Data/com.apple.CoreML/model.mlmodel'), Uint8Array.from([0xff, 0xff, 0xff]));
    await expectInvalid(pkg, /model\.mlmodel: not a Core ML model specification/);
  });

  it('a path that does not exist, as FILE_NOT_FOUND', async () => {
    await expect(readMlPackage(join(dir, 'absent.mlpackage'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('flexible input shapes', () => {
  function withInputs(inputs: CoreMLModel['inputs'], spec = 7): CoreMLModel {
    const model = sampleModel();
    model.specificationVersion = spec;
    const main = model.program.functions['main']!;
    const extra = inputs.slice(1).map((f) => ({ name: f.name, type: { dtype: 'float32' as const, shape: f.type.shape } }));
    main.inputs = [...main.inputs, ...extra];
    model.inputs = inputs;
    return model;
  }
  const arrayOf = (shape: number[], flex: Partial<ArrayFeature>) => ({ kind: 'multiArray' as const, dtype: 'float32' as const, shape, ...flex });

  it('refuses unbounded ranges', () => {
    expect(() => encodeModel(withInputs([{ name: 'x', type: arrayOf([1, 3], { shapeRange: [[1, 1], [1, -1]] }) }]))).toThrow(/unbounded range on axis 1/);
  });

  it('refuses a default size outside its range', () => {
    expect(() => encodeModel(withInputs([{ name: 'x', type: arrayOf([1, 3], { shapeRange: [[1, 1], [4, 8]] }) }]))).toThrow(/default size 3 on axis 1/);
  });

  it('refuses mixing ranges and enumerated shapes across inputs', () => {
    const inputs = [
      { name: 'x', type: arrayOf([1, 3], { shapeRange: [[1, 1], [1, 3]] }) },
      { name: 'x2', type: arrayOf([2], { enumeratedShapes: [[2], [4]] }) },
    ];
    expect(() => encodeModel(withInputs(inputs))).toThrow(/mix shape ranges and enumerated shapes/);
  });

  it('allows several enumerated inputs only from specification version 9', () => {
    const inputs = [
      { name: 'x', type: arrayOf([1, 3], { enumeratedShapes: [[1, 3], [2, 3]] }) },
      { name: 'x2', type: arrayOf([2], { enumeratedShapes: [[2], [4]] }) },
    ];
    expect(() => encodeModel(withInputs(inputs))).toThrow(/more than one input has enumerated shapes/);
    expect(() => encodeModel(withInputs(inputs, 9))).not.toThrow();
  });
});
