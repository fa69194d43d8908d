import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Env, InferenceSession } from 'onnxruntime-common';
import { QUIET_LOG_LEVEL, QUIET_SESSION_OPTIONS } from './ort-quiet.js';

/**
 * The ONNX Runtime that computes reference outputs. onnxruntime-node (native CPU) is used
 * when it is installed and loads on this platform; otherwise onnxruntime-web's WebAssembly
 * build, which ships with the bundle under dist/ort/ and so needs no install step: a GitHub
 * Action runs dist/ straight from the repository, with no node_modules.
 *
 * Both engines are loaded by file path (never bundled into the entry points), so a child
 * process can load the very same engine (see onnxruntime-process.ts), and everything that
 * configures them (the wasm file locations, the log level) travels as the plain data in
 * `EngineSettings`, applied to either engine by `applyEngineSettings`.
 */

export type EngineName = 'onnxruntime-node' | 'onnxruntime-web';

/** The part of ort.env an engine needs set before its first session. */
export interface EngineSettings {
  logLevel?: Env['logLevel'];
  wasm?: { numThreads: number; wasmPaths: { mjs: string; wasm: string } };
}

export interface EngineLocation {
  name: EngineName;
  /** The module to import (a file path). */
  modulePath: string;
  settings: EngineSettings;
}

/** What both onnxruntime packages export that this project uses. */
export type OrtModule = typeof import('onnxruntime-common');

export interface LoadedEngine {
  location: EngineLocation;
  ort: OrtModule;
  /** For reports: "onnxruntime-node 1.30.0" or "onnxruntime-web 1.30.0 (wasm)". */
  label: string;
}

/** The wasm build chosen for Node: SIMD on one thread, without JSEP/JSPI (WebGPU) or asyncify. */
export const WASM_FILE = 'ort-wasm-simd-threaded.wasm';
export const WASM_LOADER_FILE = 'ort-wasm-simd-threaded.mjs';
/** The bundled onnxruntime-web module beside the wasm in dist/ort/ (scripts/bundle.mjs writes it). */
export const WEB_MODULE_FILE = 'onnxruntime-web.mjs';

/**
 * Settings every engine gets, in this process and in the child alike: onnxruntime's own
 * logger stays silent (it quotes model names on stderr; see ort-quiet.ts).
 */
const COMMON_SETTINGS: EngineSettings = { logLevel: QUIET_LOG_LEVEL };

const requireHere = createRequire(import.meta.url);

/** The installed onnxruntime-node, or undefined when it is not installed. */
export function locateNativeEngine(): EngineLocation | undefined {
  try {
    return { name: 'onnxruntime-node', modulePath: requireHere.resolve('onnxruntime-node'), settings: { ...COMMON_SETTINGS } };
  } catch {
    return undefined;
  }
}

/**
 * onnxruntime-web: the copy that ships beside the bundle (dist/ort/), else the installed
 * package (running from the sources). Undefined when neither exists.
 */
export function locateWasmEngine(): EngineLocation | undefined {
  const shipped = fileURLToPath(new URL(`./ort/${WEB_MODULE_FILE}`, import.meta.url));
  if (existsSync(shipped)) return wasmLocation(shipped, dirname(shipped));
  try {
    const modulePath = requireHere.resolve('onnxruntime-web');
    return wasmLocation(modulePath, dirname(requireHere.resolve(`onnxruntime-web/${WASM_FILE}`)));
  } catch {
    return undefined;
  }
}

function wasmLocation(modulePath: string, wasmDir: string): EngineLocation | undefined {
  const wasm = join(wasmDir, WASM_FILE);
  const mjs = join(wasmDir, WASM_LOADER_FILE);
  if (!existsSync(wasm) || !existsSync(mjs)) return undefined;
  return {
    name: 'onnxruntime-web',
    modulePath,
    // One thread: the threaded build then never starts workers, and a session stays in the
    // process (or child process) that runs it.
    settings: { ...COMMON_SETTINGS, wasm: { numThreads: 1, wasmPaths: { mjs: pathToFileURL(mjs).href, wasm: pathToFileURL(wasm).href } } },
  };
}

/** Applies `settings` to a loaded engine's ort.env. The child process does the same with its copy of this code. */
export function applyEngineSettings(ort: OrtModule, settings: EngineSettings): void {
  if (settings.logLevel !== undefined) ort.env.logLevel = settings.logLevel;
  if (settings.wasm !== undefined) Object.assign(ort.env.wasm, settings.wasm);
}

/** Source of applyEngineSettings for the child process, which cannot import this project's modules. */
export const APPLY_ENGINE_SETTINGS_SOURCE = `function applyEngineSettings(ort, settings) {
  if (settings.logLevel !== undefined) ort.env.logLevel = settings.logLevel;
  if (settings.wasm !== undefined) Object.assign(ort.env.wasm, settings.wasm);
}`;

const loaded = new Map<string, Promise<LoadedEngine>>();

/** Imports and configures the engine at `location` (once per process). */
export function loadEngine(location: EngineLocation): Promise<LoadedEngine> {
  let engine = loaded.get(location.modulePath);
  if (!engine) {
    engine = importEngine(location);
    loaded.set(location.modulePath, engine);
    engine.catch(() => loaded.delete(location.modulePath));
  }
  return engine;
}

async function importEngine(location: EngineLocation): Promise<LoadedEngine> {
  const imported = (await import(pathToFileURL(location.modulePath).href)) as OrtModule & { default?: OrtModule };
  // A CommonJS module (onnxruntime-node) arrives as the default export of the namespace.
  const ort = imported.InferenceSession ? imported : (imported.default as OrtModule);
  applyEngineSettings(ort, location.settings);
  return { location, ort, label: engineLabel(location.name, ort) };
}

export function engineLabel(name: EngineName, ort: OrtModule): string {
  const versions = ort.env.versions as Record<string, string | undefined>;
  const version = versions[name === 'onnxruntime-node' ? 'node' : 'web'] ?? versions['common'] ?? 'unknown version';
  return name === 'onnxruntime-web' ? `${name} ${version} (wasm)` : `${name} ${version}`;
}

/**
 * The engine references are computed with: onnxruntime-node when it is installed and loads
 * here, else onnxruntime-web. Fails only when neither is available.
 */
export async function referenceEngine(): Promise<LoadedEngine> {
  const native = locateNativeEngine();
  if (native) {
    try {
      return await loadEngine(native);
    } catch {
      // Installed but not loadable on this platform (no prebuilt binary): the wasm build runs anywhere.
    }
  }
  const wasm = locateWasmEngine();
  if (!wasm) {
    throw new Error(`neither onnxruntime-node nor onnxruntime-web's ${WASM_FILE} can be found (the bundle's ort/ folder is missing)`);
  }
  return loadEngine(wasm);
}

/** Session options for either engine: a silent session logger; the threads setting is the only one callers choose. */
export function sessionOptions(threads: number | undefined): InferenceSession.SessionOptions {
  return { ...QUIET_SESSION_OPTIONS, ...(threads ? { intraOpNumThreads: threads } : {}) };
}
