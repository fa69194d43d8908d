import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supportedOpTypes } from '../../src/runtime/interpreter.js';
import { renderSemanticsMarkdown, SEMANTICS } from '../../src/runtime/semantics.js';

describe('docs/semantics.md', () => {
  it('is what the semantics table generates (run `npm run docs:semantics` after changing it)', () => {
    const committed = readFileSync(new URL('../../docs/semantics.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderSemanticsMarkdown());
  });

  it('lists every op the interpreter runs, and the table names no op it cannot run', () => {
    const md = renderSemanticsMarkdown();
    const ops = supportedOpTypes();
    for (const op of ops) expect(md).toContain(`\n| \`${op}\` |`);
    for (const op of Object.keys(SEMANTICS)) expect(ops).toContain(op);
  });
});
