import { markdownTable } from 'markdown-table';
import { CONVERTER_FAMILIES } from './registry.js';

/**
 * docs/ops.md, derived from the converter tables: every supported ONNX op,
 * the opsets it is converted for, the MIL ops it becomes, and its known
 * limits. Regenerate with `npm run docs:ops`; a test fails when the committed
 * file differs.
 */
export function renderOpsMarkdown(): string {
  const rows: string[][] = [];
  for (const [family, table] of Object.entries(CONVERTER_FAMILIES)) {
    for (const [op, conv] of Object.entries(table)) {
      rows.push([op, family, opsetRange(conv.opsets), conv.milOps.map((m) => `\`${m}\``).join(', '), cell(conv.limits ?? '')]);
    }
  }
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!));
  return [
    '# Supported ONNX operators',
    '',
    `${rows.length} ONNX operator types (domain \`ai.onnx\`) convert to Core ML ML Program ops.`,
    'Generated from the converter tables in `src/convert/ops/` by `npm run docs:ops`; do not edit by hand.',
    'A node outside these opset ranges, or using an attribute a converter cannot express, is reported',
    'by `onnx-coreml check` with the reason.',
    '',
    markdownTable([['ONNX op', 'Family', 'Opsets', 'Core ML (MIL) ops', 'Known limits'], ...rows], { alignDelimiters: false }),
    '',
  ].join('\n');
}

function opsetRange([from, to]: readonly [number, number]): string {
  return to >= 99 ? `${from}+` : from === to ? String(from) : `${from}–${to}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
