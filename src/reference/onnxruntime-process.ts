import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { ToolError } from '../errors.js';
import { APPLY_ENGINE_SETTINGS_SOURCE, type EngineLocation } from './engine.js';

/**
 * One onnxruntime session run in a child process that can be killed. Both engines
 * (onnxruntime-node, and onnxruntime-web's wasm on one thread) run a session on the calling thread: a model from a pull request whose Loop never
 * ends would block the event loop, so no timer could fire and the whole job would
 * hang with every result unwritten. In a child, the parent's timer kills it instead.
 *
 * The session exists only in the child: the model is loaded once (for a large model that is
 * hundreds of megabytes and seconds of weight packing), and the parent never holds it. The
 * two talk in JSON lines with base64 payloads: the parent sends the engine's module path,
 * the model path and the session options; the child loads the model and answers with its
 * input and output metadata; the parent sends the feeds it prepared from that metadata
 * (cast to the model's input types); the child answers with the outputs.
 */

interface WireTensor {
  name: string;
  type: string;
  dims: number[];
  /** Little-endian element bytes, base64. */
  data: string;
}

/** What the parent needs of a session to prepare feeds: the model's inputs and outputs. */
export interface SessionMetadata {
  inputNames: readonly string[];
  inputMetadata: readonly InferenceSession.ValueMetadata[];
  outputNames: readonly string[];
}

/** A model loaded in a child process, ready to run once. */
export interface ChildSession extends SessionMetadata {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  /** Kills the child if it is still running and stops its timer. */
  close(): void;
}

/** Runs in the child: plain CommonJS, no access to this project's code. */
const CHILD_SOURCE = `
const { pathToFileURL } = require('node:url');
const pending = [];
const lines = [];
let waiting;
process.stdin.on('data', (chunk) => {
  let start = 0;
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
    pending.push(chunk.subarray(start, i));
    const line = Buffer.concat(pending).toString('utf8');
    pending.length = 0;
    start = i + 1;
    if (waiting) { const w = waiting; waiting = undefined; w(line); } else lines.push(line);
  }
  if (start < chunk.length) pending.push(chunk.subarray(start));
});
const nextLine = () => (lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((resolve) => { waiting = resolve; }));
const reply = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
(async () => {
  let stage = 'load';
  try {
    const request = JSON.parse(await nextLine());
    const imported = await import(pathToFileURL(request.engine.modulePath).href);
    const ort = imported.InferenceSession ? imported : imported.default;
    // The settings keep onnxruntime's logger silent: names from the model reach its log lines (see ort-quiet.ts); its stderr is discarded too.
    applyEngineSettings(ort, request.engine.settings);
    const session = await ort.InferenceSession.create(request.modelPath, request.options);
    const inputMetadata = session.inputMetadata.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: m.shape } : { name: m.name, isTensor: false }));
    reply({ inputNames: session.inputNames, inputMetadata, outputNames: session.outputNames });
    stage = 'run';
    const request2 = JSON.parse(await nextLine());
    const feeds = {};
    for (const f of request2.feeds) feeds[f.name] = new ort.Tensor(f.type, new CTORS[f.type](bytesOf(f.data)), f.dims);
    const results = await session.run(feeds);
    const outputs = [];
    for (const name of session.outputNames) {
      const t = results[name];
      const data = ArrayBuffer.isView(t.data) ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') : '';
      outputs.push({ name, type: t.type, dims: Array.from(t.dims, Number), data });
    }
    reply({ outputs });
  } catch (err) {
    reply({ error: String(err && err.message ? err.message : err), stage });
  }
  process.stdin.destroy();
})();
function bytesOf(b64) { const b = Buffer.from(b64, 'base64'); const out = new ArrayBuffer(b.length); new Uint8Array(out).set(b); return out; }
const CTORS = { float32: Float32Array, float64: Float64Array, float16: Uint16Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, bool: Uint8Array };
${APPLY_ENGINE_SETTINGS_SOURCE}
`;

type ArrayCtor = new (buffer: ArrayBuffer) => ArrayBufferView;

const CTORS: Readonly<Record<string, ArrayCtor>> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, bool: Uint8Array,
};

function toWire(name: string, t: OrtTensor): WireTensor {
  const data = t.data as ArrayBufferView;
  return { name, type: t.type, dims: Array.from(t.dims, Number), data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

/** The shape fromOrtTensor reads: type, dims and a typed array (float16 as bit patterns). */
function fromWire(w: WireTensor): OrtTensor {
  const ctor = CTORS[w.type];
  const bytes = Buffer.from(w.data, 'base64');
  const aligned = new ArrayBuffer(bytes.length);
  new Uint8Array(aligned).set(bytes);
  return { type: w.type, dims: w.dims, data: ctor ? new ctor(aligned) : [] } as unknown as OrtTensor;
}

/** A child's replies, one JSON object per line. */
type Reply = Partial<SessionMetadata> & { outputs?: WireTensor[]; error?: string; stage?: 'load' | 'run' };

/** Reads newline-terminated JSON replies from the child's stdout, in order; undefined once it closed. */
function replyReader(child: ChildProcessWithoutNullStreams): () => Promise<Reply | undefined> {
  const pending: Buffer[] = [];
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  const deliver = (line: string | undefined) => {
    const next = waiting.shift();
    if (next) next(line);
    else if (line !== undefined) lines.push(line);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, i));
      deliver(Buffer.concat(pending).toString('utf8'));
      pending.length = 0;
      start = i + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  });
  child.on('close', () => {
    closed = true;
    while (waiting.length > 0) deliver(undefined);
  });
  return async () => {
    const line = lines.length > 0 ? lines.shift() : closed ? undefined : await new Promise<string | undefined>((resolve) => waiting.push(resolve));
    if (line === undefined) return undefined;
    try {
      return JSON.parse(line) as Reply;
    } catch {
      return { error: 'onnxruntime answered with something that is not JSON' };
    }
  };
}

/**
 * Loads `modelPath` with the engine at `engine` in a child process and returns its metadata
 * and a `run` for one set of feeds. The child is killed after `timeoutMs` (loading and running
 * together); every step then rejects with a REFERENCE error. `engineLabel` names the engine in
 * a load failure, as an in-process load failure does.
 */
export async function openSessionInChild(
  engine: EngineLocation,
  modelPath: string,
  options: InferenceSession.SessionOptions,
  timeoutMs: number,
  engineLabel: string,
): Promise<ChildSession> {
  const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
    // Only what the child needs: no inputs, tokens or other secrets of the parent's environment.
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.resume();
  child.stdin.on('error', () => undefined);
  const spawnFailed = new Promise<Reply>((resolve) => child.on('error', (err) => resolve({ error: `cannot start a process for onnxruntime: ${err.message}` })));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const close = () => {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const nextReply = replyReader(child);
  /** The next reply, or the REFERENCE error that says why there is none. */
  const expectReply = async (): Promise<Reply> => {
    const reply = await Promise.race([nextReply(), spawnFailed]);
    if (timedOut) throw new ToolError('REFERENCE', `onnxruntime did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`, { file: modelPath });
    if (reply === undefined) throw new ToolError('REFERENCE', `onnxruntime exited (code ${String(child.exitCode)}) without a result`, { file: modelPath });
    if (reply.error !== undefined) {
      const message = reply.stage === 'load' ? `${engineLabel} cannot load the model: ${reply.error}` : `onnxruntime failed to run the model: ${reply.error}`;
      throw new ToolError('REFERENCE', message, { file: modelPath });
    }
    return reply;
  };
  child.stdin.write(`${JSON.stringify({ engine, modelPath, options })}\n`);
  try {
    const loaded = await expectReply();
    if (!loaded.inputNames || !loaded.inputMetadata || !loaded.outputNames) throw new ToolError('REFERENCE', 'onnxruntime did not describe the model', { file: modelPath });
    return {
      inputNames: loaded.inputNames,
      inputMetadata: loaded.inputMetadata,
      outputNames: loaded.outputNames,
      run: async (feeds) => {
        child.stdin.end(`${JSON.stringify({ feeds: Object.entries(feeds).map(([name, t]) => toWire(name, t)) })}\n`);
        const ran = await expectReply();
        if (!ran.outputs) throw new ToolError('REFERENCE', 'onnxruntime failed to run the model: no outputs', { file: modelPath });
        return Object.fromEntries(ran.outputs.map((w) => [w.name, fromWire(w)]));
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}
