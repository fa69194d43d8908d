// Runs a TypeScript entry point (benchmarks, the conformance runner) on plain
// Node: esbuild bundles it to a cached .mjs, which is then imported.
// Usage: node scripts/run-ts.mjs path/to/entry.ts [args...]
import { build } from 'esbuild';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs ENTRY.ts [args...]');
  process.exit(2);
}
const root = resolve(new URL('..', import.meta.url).pathname);
const outfile = join(root, 'node_modules', '.cache', 'run-ts', basename(entry).replace(/\.ts$/, '.mjs'));
await build({
  entryPoints: [resolve(entry)],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  external: ['onnxruntime-node', 'esbuild'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
