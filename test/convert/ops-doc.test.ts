import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderOpsMarkdown } from '../../src/convert/ops-doc.js';
import { supportedOps } from '../../src/convert/registry.js';

describe('docs/ops.md', () => {
  it('is what the converter tables generate (run `npm run docs:ops` after adding a converter)', () => {
    const committed = readFileSync(new URL('../../docs/ops.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderOpsMarkdown());
  });

  it('lists every supported op once', () => {
    const md = renderOpsMarkdown();
    for (const op of supportedOps()) expect(md).toContain(`\n| ${op} |`);
  });
});
