// Writes action.yml's inputs and the README's input table from the option table (src/options/).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withGeneratedActionInputs, withGeneratedReadmeInputs } from '../src/options/action.js';

const root = process.cwd();
for (const [file, generate] of [['action.yml', withGeneratedActionInputs], ['README.md', withGeneratedReadmeInputs]] as const) {
  const path = join(root, file);
  writeFileSync(path, generate(readFileSync(path, 'utf8')));
  console.log(`wrote ${file}`);
}
