import { locateNativeEngine, locateWasmEngine } from '../../src/reference/engine.js';
import { runReferenceEngine } from '../../src/reference/onnxruntime.js';
import { makeTensor } from '../../src/tensor/tensor.js';

/**
 * Child of ort-log.test.ts: runs the model named on the command line with one engine,
 * in this process and in the killable child process, writing nothing itself, so that
 * whatever reaches stdout or stderr came from the engine.
 */
const [engineName, modelPath] = process.argv.slice(2);
const engine = engineName === 'onnxruntime-web' ? locateWasmEngine() : locateNativeEngine();
if (!engine || !modelPath) process.exit(3);
const inputs = { x: makeTensor('float32', [1, 4], Float32Array.of(1, -2, 3, -4)) };
await runReferenceEngine(modelPath, inputs, { engine });
await runReferenceEngine(modelPath, inputs, { engine, timeoutMs: 60_000 });
