import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { ToolError, errorMessage } from '../errors.js';
import type { DType, DTypeStorage } from '../tensor/dtype.js';
import { float32ArrayToFloat16 } from '../tensor/fp16.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { castTensor } from './cast.js';
import { loadEngine, referenceEngine, sessionOptions, type EngineLocation, type LoadedEngine, type OrtModule } from './engine.js';
import { openSessionInChild, type SessionMetadata } from './onnxruntime-process.js';

export interface OnnxRuntimeOptions {
  /** Threads for one operator (intraOpNumThreads); default: onnxruntime's choice. */
  threads?: number;
  /**
   * Runs the session in a child process that is killed after this many milliseconds
   * (see onnxruntime-process.ts). Without it the session runs in this process, where a
   * model that never ends blocks everything.
   */
  timeoutMs?: number;
  /** The engine to run; default: referenceEngine()'s choice (onnxruntime-node when installed, else wasm). */
  engine?: EngineLocation;
}

/** Reference outputs and the engine that computed them ("onnxruntime-web 1.30.0 (wasm)"). */
export interface EngineOutputs {
  outputs: Record<string, Tensor>;
  /**
   * The model's output names in graph order. A record cannot keep that order: JavaScript
   * puts integer-like keys ("63", "44", as old torch exports name outputs) first.
   */
  order: readonly string[];
  engine: string;
}

/** The outputs as a list in the model's graph order. */
export function outputsInGraphOrder(result: Pick<EngineOutputs, 'outputs' | 'order'>): Tensor[] {
  return result.order.map((name) => result.outputs[name]!);
}

/** Element types that both this project and onnxruntime-node hold in typed arrays. */
const ORT_TYPES = new Set<DType>([
  'float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool',
]);

/**
 * Runs an ONNX model with onnxruntime (CPU) and returns every output, keyed by the
 * model's output names (`order` gives their graph order), and the engine that ran it.
 * Each model input takes the entry of `inputs` with its name; failing that, the entry at
 * its position when that entry's name is not one of the model's (a converted package may
 * have renamed the inputs). Inputs are cast to the element types the model declares (so
 * int32 or fp32 test data can feed int64 or fp16 inputs). The engine is loaded only
 * here, so commands that never need onnxruntime do not pay for it.
 */
export async function runReferenceEngine(
  modelPath: string,
  inputs: Record<string, Tensor>,
  options: OnnxRuntimeOptions = {},
): Promise<EngineOutputs> {
  const engine = await loadReferenceEngine(modelPath, options.engine);
  const settings = sessionOptions(options.threads);
  if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
    // The model is loaded in the killable child only: loading it here too would double the memory and the load time.
    const child = await openSessionInChild(engine.location, modelPath, settings, options.timeoutMs, engine.label);
    try {
      const results = await child.run(modelFeeds(engine.ort, child, inputs, modelPath));
      return collectOutputs(child, results, engine.label, modelPath);
    } finally {
      child.close();
    }
  }
  let session: InferenceSession;
  try {
    session = await engine.ort.InferenceSession.create(modelPath, settings);
  } catch (err) {
    throw new ToolError('REFERENCE', `${engine.label} cannot load the model: ${errorMessage(err)}`, { file: modelPath, cause: err });
  }
  try {
    const results = await runSession(session, modelFeeds(engine.ort, session, inputs, modelPath), modelPath);
    return collectOutputs(session, results, engine.label, modelPath);
  } finally {
    await session.release();
  }
}

function collectOutputs(session: Pick<SessionMetadata, 'outputNames'>, results: Record<string, OrtTensor | unknown>, engine: string, modelPath: string): EngineOutputs {
  const outputs: Record<string, Tensor> = {};
  for (const name of session.outputNames) outputs[name] = fromOrtTensor(results[name] as OrtTensor | undefined, name, modelPath);
  return { outputs, order: [...session.outputNames], engine };
}

function modelFeeds(ort: OrtModule, session: Pick<SessionMetadata, 'inputNames' | 'inputMetadata'>, inputs: Record<string, Tensor>, modelPath: string): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  const given = Object.entries(inputs);
  const modelNames = new Set(session.inputNames);
  session.inputMetadata.forEach((meta, position) => {
    const atPosition = given[position];
    const input = inputs[meta.name] ?? (atPosition && !modelNames.has(atPosition[0]) ? atPosition[1] : undefined);
    if (!input) throw new ToolError('REFERENCE', `no value given for model input "${meta.name}"`, { file: modelPath });
    const wanted = meta.isTensor ? (meta.type as DType) : input.dtype;
    feeds[meta.name] = toOrtTensor(ort.Tensor, castTensor(input, wanted, `${modelPath}: input "${meta.name}"`), modelPath);
  });
  return feeds;
}

async function loadReferenceEngine(modelPath: string, location: EngineLocation | undefined): Promise<LoadedEngine> {
  try {
    return await (location ? loadEngine(location) : referenceEngine());
  } catch (err) {
    throw new ToolError('REFERENCE', `no onnxruntime engine is available: ${errorMessage(err)}`, { file: modelPath, cause: err });
  }
}

async function runSession(session: InferenceSession, feeds: Record<string, OrtTensor>, modelPath: string) {
  try {
    return await session.run(feeds);
  } catch (err) {
    throw new ToolError('REFERENCE', `onnxruntime failed to run the model: ${errorMessage(err)}`, { file: modelPath, cause: err });
  }
}

function toOrtTensor(OrtTensorClass: OrtModule['Tensor'], tensor: Tensor, modelPath: string): OrtTensor {
  if (!ORT_TYPES.has(tensor.dtype)) {
    throw new ToolError('REFERENCE', `onnxruntime input of type ${tensor.dtype} is not supported`, { file: modelPath });
  }
  // Every dtype in ORT_TYPES is stored the same way on both sides (float16 as Uint16Array bits).
  const make = OrtTensorClass as unknown as new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
  return new make(tensor.dtype, tensor.data, tensor.shape);
}

function fromOrtTensor(value: OrtTensor | undefined, name: string, modelPath: string): Tensor {
  const dtype = value?.type as DType | undefined;
  if (!value || !dtype || !ORT_TYPES.has(dtype)) {
    throw new ToolError('REFERENCE', `onnxruntime output "${name}" is not a numeric tensor (${value?.type ?? 'missing'})`, { file: modelPath });
  }
  const dims = value.dims.map(Number);
  if (dtype === 'float16' && !(value.data instanceof Uint16Array)) {
    // With a native Float16Array, onnxruntime hands out values rather than bit patterns.
    const values = Float32Array.from(value.data as ArrayLike<number>);
    return makeTensor('float16', dims, float32ArrayToFloat16(values));
  }
  // Copy: the typed array may belong to onnxruntime's output buffer.
  const data = (value.data as DTypeStorage[DType] & { slice(): DTypeStorage[DType] }).slice();
  return makeTensor(dtype, dims, data);
}
