import { createHash, randomUUID } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, createReadStream, existsSync } from 'node:fs';
import { mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConversionError, ModelInputError, ToolError } from '../errors.js';
import { isInsideFolder, openRegularFile, readRegularFile, readRegularFileRange, readRegularFileSync, type SafeFileOptions } from '../safe-file.js';
import { CoreML } from '../gen/coreml.js';
import { specificationVersionForTarget, targetForOpset } from '../mil/ir.js';
import type { DType } from '../tensor/dtype.js';
import type { WeightReading } from '../tensor/on-demand.js';
import type { Tensor } from '../tensor/tensor.js';
import { BlobFileReader, BlobFileWriter, type BlobBytes } from './blob.js';
import { decodeDescription, encodeDescription, type DescriptionExtras } from './description.js';
import {
  createManifest,
  MANIFEST_FILE_NAME,
  MODEL_ITEM_NAME,
  PACKAGE_AUTHOR,
  PACKAGE_DATA_DIR,
  parseManifest,
  serializeManifest,
  WEIGHTS_FILE_NAME,
  WEIGHTS_ITEM_NAME,
} from './manifest.js';
import { programDescription, type CoreMLModel, type PipelineLayout } from './model.js';
import { checkNmsStage, checkPipelineWiring, decodeNmsStage, encodeStage, pipelineWeightFileName } from './pipeline.js';
import { decodeProgram, type BlobSource } from './program-decode.js';
import { encodeProgram, type BlobSink } from './program-encode.js';

/**
 * `.mlpackage` directories: Manifest.json, Data/<author>/model.mlmodel and
 * Data/<author>/weights/weight.bin. Writing is atomic at the directory level;
 * reading validates the manifest and keeps every referenced file inside the package.
 */

/** How constants refer to the weight file; `@model_path` is the folder holding model.mlmodel. */
const MODEL_PATH_PREFIX = '@model_path/';
/** The weight file of a plain ML program, and of the ML program stage (index 0) of a pipeline. */
function weightFileName(model: CoreMLModel): string {
  return model.pipeline ? pipelineWeightFileName(0) : WEIGHTS_FILE_NAME;
}
/** The first specification version (iOS15) that holds ML programs. */
const MIN_ML_PROGRAM_SPEC_VERSION = 6;

const ModelMessage = CoreML.Specification.Model;

/** Checks that what Core ML would reject at load time is caught here instead. */
function checkModelForWriting(model: CoreMLModel): void {
  if (model.specificationVersion < MIN_ML_PROGRAM_SPEC_VERSION) {
    throw new ConversionError(`specification version ${model.specificationVersion} cannot hold an ML program (needs ≥ ${MIN_ML_PROGRAM_SPEC_VERSION})`);
  }
  for (const [name, fn] of Object.entries(model.program.functions)) {
    const target = targetForOpset(fn.opset);
    if (target && specificationVersionForTarget(target) > model.specificationVersion) {
      throw new ConversionError(`function "${name}" uses opset ${fn.opset}, newer than specification version ${model.specificationVersion}`);
    }
  }
  const main = model.program.functions['main'];
  if (!main) throw new ConversionError('ML program has no "main" function');
  const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);
  const described = programDescription(model);
  if (!sameNames(described.inputs.map((f) => f.name), main.inputs.map((v) => v.name))) {
    throw new ConversionError('model description inputs do not match the inputs of function "main"');
  }
  if (!sameNames(described.outputs.map((f) => f.name), main.block.outputs)) {
    throw new ConversionError('model description outputs do not match the outputs of function "main"');
  }
  if (model.pipeline) {
    model.pipeline.stages.forEach(checkNmsStage);
    checkPipelineWiring(model.inputs, model.outputs, [model.pipeline.program, ...model.pipeline.stages]);
  }
}

/** Serializes the Model message; blob constants go to `blobs` when given. */
export function encodeModel(model: CoreMLModel, blobs?: BlobSink): Uint8Array {
  checkModelForWriting(model);
  const spec = model.specificationVersion;
  const description = encodeDescription(model.inputs, model.outputs, model.metadata, spec, classifierNames(model));
  const layout = model.pipeline;
  if (!layout) {
    const mlProgram = encodeProgram(model.program, blobs ? { specificationVersion: spec, blobs } : { specificationVersion: spec });
    return ModelMessage.encode({ specificationVersion: spec, description, mlProgram }).finish();
  }
  // As coremltools' make_pipeline writes it: the pipeline's version is the newest of its stages'.
  const programSpec = layout.program.specificationVersion;
  const programStage: CoreML.Specification.Model.$Properties = {
    specificationVersion: programSpec,
    description: encodeDescription(layout.program.inputs, layout.program.outputs, {}, programSpec),
    mlProgram: encodeProgram(model.program, blobs ? { specificationVersion: programSpec, blobs } : { specificationVersion: programSpec }),
  };
  const stages = layout.stages.map(encodeStage);
  const pipelineSpec = Math.max(spec, programSpec, ...layout.stages.map((s) => s.specificationVersion));
  return ModelMessage.encode({ specificationVersion: pipelineSpec, description, pipeline: { models: [programStage, ...stages] } }).finish();
}

/** Parses Model bytes; `file` names the source in errors. */
export function decodeModel(bytes: Uint8Array, file: string, blobs?: BlobSource): CoreMLModel {
  let message: CoreML.Specification.Model;
  try {
    message = ModelMessage.decode(bytes);
  } catch (err) {
    throw new ModelInputError('INVALID_PACKAGE', `not a Core ML model specification (${(err as Error).message})`, { file, cause: err });
  }
  const { inputs, outputs, metadata, ...names } = decodeDescription(message.description, file);
  const top = { specificationVersion: message.specificationVersion, inputs, outputs, metadata, ...names };
  if (message.pipeline) return { ...top, ...decodePipeline(message.pipeline, file, blobs) };
  if (!message.mlProgram) {
    throw new ModelInputError('UNSUPPORTED_FEATURE', 'the model is neither an ML program nor a pipeline starting with one (only those can be read)', { file });
  }
  return { ...top, program: decodeProgram(message.mlProgram, file, blobs) };
}

/** A pipeline this tool can run: an ML program followed by NonMaximumSuppression stages. */
function decodePipeline(pipeline: CoreML.Specification.Pipeline.$Properties, file: string, blobs?: BlobSource): { program: CoreMLModel['program']; pipeline: PipelineLayout } {
  const [first, ...rest] = pipeline.models ?? [];
  if (!first?.mlProgram) {
    throw new ModelInputError('UNSUPPORTED_FEATURE', 'the pipeline does not start with an ML program (only such pipelines can be read)', { file });
  }
  const stages = rest.map((stage, i) => {
    if (!stage.nonMaximumSuppression) {
      throw new ModelInputError('UNSUPPORTED_FEATURE', `pipeline stage ${i + 1} is not a NonMaximumSuppression model (the only stage after the ML program this tool runs)`, { file });
    }
    return decodeNmsStage(stage, file);
  });
  const { inputs, outputs } = decodeDescription(first.description, file);
  return {
    program: decodeProgram(first.mlProgram, file, blobs),
    pipeline: { program: { specificationVersion: first.specificationVersion ?? 0, inputs, outputs }, stages },
  };
}

function classifierNames(model: CoreMLModel): DescriptionExtras {
  const names: DescriptionExtras = {};
  if (model.predictedFeatureName !== undefined) names.predictedFeatureName = model.predictedFeatureName;
  if (model.predictedProbabilitiesName !== undefined) names.predictedProbabilitiesName = model.predictedProbabilitiesName;
  return names;
}

async function directorySize(dir: string, files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** SHA-256 (hex) of a file, streamed: weight files can be gigabytes. */
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Moves `staged` onto `outPath`, keeping the old destination until the new one is in place. */
async function replaceDirectory(staged: string, outPath: string): Promise<void> {
  const backup = `${outPath}.old-${randomUUID()}`;
  const hadOld = existsSync(outPath);
  if (hadOld) await rename(outPath, backup);
  try {
    await rename(staged, outPath);
  } catch (err) {
    if (hadOld) await rename(backup, outPath);
    throw err;
  }
  if (hadOld) await rm(backup, { recursive: true, force: true });
}

/**
 * Writes `model` as an .mlpackage at `outPath`. Everything is written into a
 * temporary sibling directory first and renamed into place at the end, so a
 * failure leaves neither a half-written package nor a damaged older one.
 */
export async function writeMlPackage(model: CoreMLModel, outPath: string): Promise<{ sizeBytes: number; weightBytes: number }> {
  const target = resolve(outPath);
  const staged = join(dirname(target), `.${basename(target)}.tmp-${randomUUID()}`);
  const modelDir = join(staged, PACKAGE_DATA_DIR, PACKAGE_AUTHOR);
  const weightsPath = join(modelDir, WEIGHTS_ITEM_NAME, weightFileName(model));
  const modelPath = join(modelDir, MODEL_ITEM_NAME);
  try {
    await mkdir(join(modelDir, WEIGHTS_ITEM_NAME), { recursive: true });
    const weights = new BlobFileWriter(weightsPath);
    let bytes: Uint8Array;
    try {
      const fileName = `${MODEL_PATH_PREFIX}${WEIGHTS_ITEM_NAME}/${weightFileName(model)}`;
      bytes = encodeModel(model, { fileName, append: (t) => weights.appendTensor(t) });
    } catch (err) {
      weights.abandon();
      throw err;
    }
    const { sizeBytes: weightBytes } = weights.close();
    await writeFile(modelPath, bytes);
    const contents = { model: createHash('sha256').update(bytes).digest('hex'), weights: await sha256OfFile(weightsPath) };
    await writeFile(join(staged, MANIFEST_FILE_NAME), serializeManifest(createManifest(contents)));
    const sizeBytes = await directorySize(staged, [MANIFEST_FILE_NAME, relative(staged, modelPath), relative(staged, weightsPath)]);
    await replaceDirectory(staged, target);
    return { sizeBytes, weightBytes };
  } catch (err) {
    await rm(staged, { recursive: true, force: true });
    if (err instanceof ToolError) throw err;
    throw new ToolError('INTERNAL', `could not write the package (${(err as Error).message})`, { file: outPath, cause: err });
  }
}

/** Resolves `@model_path/...` weight file names inside the package, loading each file once. */
class PackageBlobSource implements BlobSource {
  private readonly readers = new Map<string, BlobFileReader>();

  constructor(
    private readonly packageRoot: string,
    private readonly modelDir: string,
    private readonly modelFile: string,
    private readonly weights: WeightReading = 'whole',
  ) {}

  read(fileName: string, offset: number, dtype: DType, shape: readonly number[]): Tensor {
    return this.reader(fileName).read(offset, dtype, shape);
  }

  private reader(fileName: string): BlobFileReader {
    const cached = this.readers.get(fileName);
    if (cached) return cached;
    const fail = (message: string): never => {
      throw new ModelInputError('INVALID_PACKAGE', message, { file: this.modelFile });
    };
    if (!fileName.startsWith(MODEL_PATH_PREFIX)) fail(`weight file name "${fileName}" does not start with ${MODEL_PATH_PREFIX}`);
    const path = resolve(this.modelDir, fileName.slice(MODEL_PATH_PREFIX.length));
    if (!isInsideFolder(this.packageRoot, path)) fail(`weight file name "${fileName}" points outside the package`);
    const options = { ...packagePart(this.packageRoot, `weight file "${fileName}"`), file: path };
    const reader = new BlobFileReader(this.weights === 'on-demand' ? weightFileOnDisk(path, options) : readRegularFileSync(path, options), path);
    this.readers.set(fileName, reader);
    return reader;
  }
}

/** A weight file read range by range, opened again with the same checks for each (see readRegularFileRange). */
function weightFileOnDisk(path: string, options: SafeFileOptions): BlobBytes {
  const opened = openRegularFile(path, options);
  closeSync(opened.fd);
  const size = opened.size;
  return { byteLength: size, range: (offset, length) => readRegularFileRange(path, options, size, offset, length), onDemand: true };
}

/** Largest package part read: one buffer's worth (weight files of large models pass 2 GiB). */
const MAX_PART_BYTES = bufferConstants.MAX_LENGTH;
/** Manifest.json is a few hundred bytes; anything near this is not a manifest. */
const MAX_MANIFEST_BYTES = 1 << 20;

/** Opener options for a file inside the package: a regular file whose real path stays in the package. */
function packagePart(root: string, what: string, maxBytes = MAX_PART_BYTES): SafeFileOptions {
  return { what, maxBytes, within: root, code: 'INVALID_PACKAGE' };
}

/**
 * Reads an .mlpackage written by this project or by coremltools, weights
 * included: the whole weight file at once, or with `weights: 'on-demand'` each
 * weight from disk when its data is first asked for, for a reader that runs the
 * program once and releases each weight after its last use.
 */
export async function readMlPackage(path: string, options: { weights?: WeightReading } = {}): Promise<CoreMLModel> {
  const manifestPath = join(path, MANIFEST_FILE_NAME);
  const kind = await stat(path).catch(() => undefined);
  if (!kind) throw new ModelInputError('FILE_NOT_FOUND', 'package does not exist', { file: path });
  if (!kind.isDirectory()) throw new ModelInputError('INVALID_PACKAGE', 'a package is a folder (.mlpackage), and this is not one', { file: path });
  const root = await realpath(path);
  if (!existsSync(manifestPath)) throw new ModelInputError('INVALID_PACKAGE', `${MANIFEST_FILE_NAME} is missing`, { file: path });
  const manifestBytes = await readRegularFile(manifestPath, packagePart(root, MANIFEST_FILE_NAME, MAX_MANIFEST_BYTES));
  const manifest = parseManifest(manifestBytes.toString('utf8'), manifestPath);
  const dataDir = join(root, PACKAGE_DATA_DIR);
  for (const [id, item] of Object.entries(manifest.itemInfoEntries)) {
    const itemPath = resolve(dataDir, item.path);
    if (!isInsideFolder(dataDir, itemPath)) {
      throw new ModelInputError('INVALID_PACKAGE', `item "${id}" has path "${item.path}" outside ${PACKAGE_DATA_DIR}/`, { file: manifestPath });
    }
    if (!existsSync(itemPath)) {
      throw new ModelInputError('INVALID_PACKAGE', `item does not exist for identifier "${id}" (${PACKAGE_DATA_DIR}/${item.path})`, { file: manifestPath });
    }
  }
  const rootItem = manifest.itemInfoEntries[manifest.rootModelIdentifier]!;
  const modelPath = resolve(dataDir, rootItem.path);
  const what = `the root model (${PACKAGE_DATA_DIR}/${rootItem.path})`;
  const bytes = await readRegularFile(modelPath, { ...packagePart(root, what), file: manifestPath });
  const blobs = new PackageBlobSource(root, dirname(modelPath), modelPath, options.weights);
  return decodeModel(bytes, modelPath, blobs);
}
