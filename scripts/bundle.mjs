// Bundles the command-line tool (src/cli.ts → dist/cli.js) and, when it exists,
// the GitHub Action entry (src/action.ts → dist/index.js). dist/ is committed and
// CI rebuilds it and fails on any difference, so the output must depend only on
// the sources: no timestamps, no absolute paths, no source maps.
// Usage: node scripts/bundle.mjs [--outdir DIR]   (default dist/; tests build elsewhere)
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' }, 'no-engine': { type: 'boolean' } } });
const outDir = values.outdir ? resolve(values.outdir) : join(root, 'dist');

// CommonJS dependencies bundled into an ES module still call require(); give them one.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const entries = [
  { entry: 'src/cli.ts', outfile: join(outDir, 'cli.js'), executable: true },
  { entry: 'src/action.ts', outfile: join(outDir, 'index.js'), executable: false },
];

mkdirSync(outDir, { recursive: true });
for (const { entry, outfile, executable } of entries) {
  if (!existsSync(join(root, entry))) continue;
  // esbuild has already printed the errors with file and line; a stack trace would only bury them.
  const built = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Loaded by file path at run time (src/reference/engine.ts), never inlined: the native
    // addon from node_modules, the wasm build from dist/ort/.
    external: ['onnxruntime-node', 'onnxruntime-web'],
    banner: { js: executable ? `#!/usr/bin/env node\n${requireShim}` : requireShim },
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  }).catch(() => undefined);
  if (!built) {
    console.error(`bundle: ${entry} failed`);
    process.exit(1);
  }
  if (executable) chmodSync(outfile, 0o755);
  console.log(`bundle: ${entry} -> ${relative(root, outfile)}`);
}

// A GitHub Action runs dist/index.js straight from the repository, with no
// node_modules. Reference outputs for models without test data come from ONNX
// Runtime: onnxruntime-node when it is installed, else onnxruntime-web's
// WebAssembly build, which ships here in dist/ort/ so that it is always there:
// its JavaScript bundled into one module (loaded by path, also by the child
// process that runs a session under a time limit), the Emscripten loader and
// the SIMD CPU .wasm (no WebGPU/JSEP, JSPI or asyncify variants), copied
// unmodified. src/reference/engine.ts finds them beside the bundle.
const WASM_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

async function shipOnnxRuntimeWeb() {
  const ortDir = join(outDir, 'ort');
  rmSync(ortDir, { recursive: true, force: true });
  mkdirSync(ortDir, { recursive: true });
  const built = await build({
    absWorkingDir: root,
    stdin: { contents: "export * from 'onnxruntime-web';", resolveDir: root, loader: 'js' },
    outfile: join(ortDir, 'onnxruntime-web.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'inline',
    charset: 'utf8',
    logLevel: 'warning',
  }).catch(() => undefined);
  if (!built) {
    console.error('bundle: onnxruntime-web failed');
    process.exit(1);
  }
  const from = join(root, 'node_modules', 'onnxruntime-web');
  for (const file of WASM_FILES) copyFileSync(join(from, 'dist', file), join(ortDir, file));
  const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  writeFileSync(join(ortDir, 'NOTICE'),
    `onnxruntime-web ${manifest.version} (${manifest.repository?.url ?? ''}): ONNX Runtime, Copyright (c) Microsoft Corporation,\n` +
    'licensed under the MIT License. onnxruntime-web.mjs bundles its JavaScript and that of onnxruntime-common;\n' +
    `${WASM_FILES.join(' and ')} are copied unmodified from its dist/ folder.\n`);
  console.log(`bundle: onnxruntime-web ${manifest.version} -> ${relative(root, ortDir)}`);
}

if (!values['no-engine']) await shipOnnxRuntimeWeb();
