// Writes docs/semantics.md from the interpreter's semantics table.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSemanticsMarkdown } from '../src/runtime/semantics.js';

writeFileSync(join(process.cwd(), 'docs', 'semantics.md'), renderSemanticsMarkdown());
console.log('wrote docs/semantics.md');
