// Bundles the command-line tool (src/cli.ts → dist/cli.js) and, when it exists,
// the GitHub Action entry (src/action.ts → dist/index.js). dist/ is committed and
// CI rebuilds it and fails on any difference, so the output must depend only on
// the sources: no timestamps, no absolute paths, no source maps.
// Usage: node scripts/bundle.mjs [--outdir DIR]   (default dist/; tests build elsewhere)
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' }, 'no-vendor': { type: 'boolean' } } });
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
    // Native addon: it must be loaded from node_modules at run time, never inlined.
    external: ['onnxruntime-node'],
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
// node_modules. onnxruntime-node (reference outputs for models without test
// data) is a native addon that cannot be bundled, so a minimal copy of it —
// its JavaScript and the native libraries for the runners the Action supports,
// linux-x64 and darwin-arm64 — ships under dist/vendor/. It sits outside
// Node's normal lookup path: an installed onnxruntime-node always wins, and
// src/reference/ort-module.ts falls back to this copy only when there is none.
const VENDORED = {
  'onnxruntime-node': ['package.json', 'dist/index.js', 'dist/backend.js', 'dist/binding.js', 'dist/version.js',
    'bin/napi-v6/linux/x64/onnxruntime_binding.node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1',
    'bin/napi-v6/darwin/arm64/onnxruntime_binding.node', 'bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib'],
  'onnxruntime-common': ['package.json', ...listFiles(join(root, 'node_modules', 'onnxruntime-common'), 'dist/cjs').filter((f) => f.endsWith('.js') || f.endsWith('package.json'))],
};

function listFiles(base, dir) {
  return readdirSync(join(base, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(base, join(dir, e.name)) : [join(dir, e.name)],
  );
}

function vendorOnnxRuntime() {
  const vendor = join(outDir, 'vendor', 'node_modules');
  rmSync(join(outDir, 'vendor'), { recursive: true, force: true });
  const notices = [];
  for (const [pkg, files] of Object.entries(VENDORED)) {
    const from = join(root, 'node_modules', pkg);
    const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
    for (const file of [...files].sort()) {
      mkdirSync(dirname(join(vendor, pkg, file)), { recursive: true });
      copyFileSync(join(from, file), join(vendor, pkg, file));
    }
    notices.push(`${pkg} ${manifest.version}, license ${manifest.license}, ${manifest.repository?.url ?? ''}`);
  }
  writeFileSync(join(outDir, 'vendor', 'NOTICE'),
    'Copied unmodified from the npm packages below (ONNX Runtime, Copyright (c) Microsoft Corporation, MIT License):\n' +
    notices.map((n) => `- ${n}\n`).join(''));
  console.log(`bundle: vendored onnxruntime-node -> ${relative(root, join(outDir, 'vendor'))}`);
}

if (!values['no-vendor']) vendorOnnxRuntime();
