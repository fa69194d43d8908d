import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Where onnxruntime-node is loaded from. An installed package (node_modules)
 * wins; the bundled Action has none, so it falls back to the copy that ships
 * beside the bundle in dist/vendor/ (linux-x64 and darwin-arm64 only).
 */
export function resolveOnnxRuntimeModule(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('onnxruntime-node');
  } catch (err) {
    const vendored = fileURLToPath(new URL('./vendor/node_modules/onnxruntime-node/dist/index.js', import.meta.url));
    if (existsSync(vendored)) return vendored;
    throw err;
  }
}

/** Loads onnxruntime-node's CommonJS module from wherever it resolves. */
export function requireOnnxRuntime<T>(): T {
  return createRequire(import.meta.url)(resolveOnnxRuntimeModule()) as T;
}
