// Bundles the command-line tool (src/cli.ts → dist/cli.js) and, when it exists,
// the GitHub Action entry (src/action.ts → dist/index.js). dist/ is committed and
// CI rebuilds it and fails on any difference, so the output must depend only on
// the sources: no timestamps, no absolute paths, no source maps.
// Usage: node scripts/bundle.mjs [--outdir DIR]   (default dist/; tests build elsewhere)
import { build } from 'esbuild';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
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
