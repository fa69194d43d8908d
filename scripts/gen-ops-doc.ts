// Writes docs/ops.md from the converter tables.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpsMarkdown } from '../src/convert/ops-doc.js';

writeFileSync(join(process.cwd(), 'docs', 'ops.md'), renderOpsMarkdown());
console.log('wrote docs/ops.md');
