import { spawn } from 'node:child_process';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { ToolError } from '../errors.js';
import { APPLY_ENGINE_SETTINGS_SOURCE, type EngineLocation } from './engine.js';

/**
 * One onnxruntime session run in a child process that can be killed. Both engines
 * (onnxruntime-node, and onnxruntime-web's wasm on one thread) run a session on the calling thread: a model from a pull request whose Loop never
 * ends would block the event loop, so no timer could fire and the whole job would
 * hang with every result unwritten. In a child, the parent's timer kills it instead.
 *
 * The parent sends the engine's module path and settings and the prepared feeds (already
 * cast to the model's input types) as JSON with base64 payloads on stdin; the child answers
 * the same way on stdout.
 */

interface WireTensor {
  name: string;
  type: string;
  dims: number[];
  /** Little-endian element bytes, base64. */
  data: string;
}

/** Runs in the child: plain CommonJS, no access to this project's code. */
const CHILD_SOURCE = `
const { pathToFileURL } = require('node:url');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const reply = (value) => process.stdout.write(JSON.stringify(value));
  try {
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const imported = await import(pathToFileURL(request.engine.modulePath).href);
    const ort = imported.InferenceSession ? imported : imported.default;
    // The settings keep onnxruntime's logger silent: names from the model reach its log lines (see ort-quiet.ts); its stderr is discarded too.
    applyEngineSettings(ort, request.engine.settings);
    const session = await ort.InferenceSession.create(request.modelPath, request.options);
    const feeds = {};
    for (const f of request.feeds) feeds[f.name] = new ort.Tensor(f.type, new CTORS[f.type](bytesOf(f.data)), f.dims);
    const results = await session.run(feeds);
    const outputs = [];
    for (const name of session.outputNames) {
      const t = results[name];
      const data = ArrayBuffer.isView(t.data) ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') : '';
      outputs.push({ name, type: t.type, dims: Array.from(t.dims, Number), data });
    }
    reply({ outputs });
  } catch (err) {
    reply({ error: String(err && err.message ? err.message : err) });
  }
});
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

/**
 * Runs `modelPath` on `feeds` with the engine at `engine` in a child process and returns its outputs by name. The
 * child is killed after `timeoutMs`, and the promise then rejects with a REFERENCE error.
 */
export async function runSessionInChild(
  engine: EngineLocation,
  modelPath: string,
  feeds: Record<string, OrtTensor>,
  options: InferenceSession.SessionOptions,
  timeoutMs: number,
): Promise<Record<string, OrtTensor>> {
  const request = JSON.stringify({ engine, modelPath, options, feeds: Object.entries(feeds).map(([name, t]) => toWire(name, t)) });
  const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
    // Only what the child needs: no inputs, tokens or other secrets of the parent's environment.
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.resume();
  child.stdin.on('error', () => undefined);
  child.stdin.end(request);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (timedOut) throw new ToolError('REFERENCE', `onnxruntime did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`, { file: modelPath });
    let reply: { outputs?: WireTensor[]; error?: string };
    try {
      reply = JSON.parse(Buffer.concat(out).toString('utf8')) as typeof reply;
    } catch {
      throw new ToolError('REFERENCE', `onnxruntime exited (code ${String(code)}) without a result`, { file: modelPath });
    }
    if (reply.error !== undefined || !reply.outputs) {
      throw new ToolError('REFERENCE', `onnxruntime failed to run the model: ${reply.error ?? 'no outputs'}`, { file: modelPath });
    }
    return Object.fromEntries(reply.outputs.map((w) => [w.name, fromWire(w)]));
  } finally {
    clearTimeout(timer);
  }
}
