// Generates protobufjs static code (ES module + .d.ts) from the project's own
// .proto subsets under proto/, into src/gen/. Run by the build and before tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const protoDir = join(root, 'proto');
const outDir = join(root, 'src', 'gen');
mkdirSync(outDir, { recursive: true });

const bin = (name) => join(root, 'node_modules', '.bin', name);
const groups = readdirSync(protoDir).filter((e) => statSync(join(protoDir, e)).isDirectory());
for (const group of groups) {
  const files = readdirSync(join(protoDir, group)).filter((f) => f.endsWith('.proto')).map((f) => join(protoDir, group, f));
  if (files.length === 0) continue;
  const js = join(outDir, `${basename(group)}.js`);
  execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'es6', '--no-beautify', '--no-delimited', '--no-verify', '--no-convert', '-o', js, ...files], { stdio: 'inherit' });
  execFileSync(bin('pbts'), ['-o', join(outDir, `${basename(group)}.d.ts`), js], { stdio: 'inherit' });
  console.log(`proto: ${group} -> src/gen/${basename(group)}.js`);
}
