import { markdownTable } from 'markdown-table';
import { MIL_OP_FAMILIES } from '../mil/ops/index.js';
import { FOLD_FAMILIES } from '../onnx/fold/index.js';
import { SHAPE_FAMILIES } from '../onnx/shapes/index.js';
import { familyIndex } from '../tables.js';
import type { OpConverter } from './types.js';
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
      rows.push([op, files(op, family, conv), opsetRange(conv.opsets), conv.milOps.map((m) => `\`${m}\``).join(', '), cell(conv.limits ?? '')]);
    }
  }
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!));
  return [
    '# Supported ONNX operators',
    '',
    `${rows.length} ONNX operator types (domain \`ai.onnx\`) convert to Core ML ML Program ops.`,
    'Generated from the converter tables in `src/convert/ops/` by `npm run docs:ops`; do not edit by hand.',
    'Files names the op\'s file in each layer: its shape function (`src/onnx/shapes/`), fold (`src/onnx/fold/`) and',
    'converter (`src/convert/ops/`), and for the Core ML ops it may emit, their MIL definitions (`src/mil/ops/`) and',
    'interpreter kernels (`src/runtime/kernels/`), which share file names.',
    'A node outside these opset ranges, or using an attribute a converter cannot express, is reported',
    'by `onnx-coreml check` with the reason.',
    '',
    markdownTable([['ONNX op', 'Files', 'Opsets', 'Core ML (MIL) ops', 'Known limits'], ...rows], { alignDelimiters: false }),
    '',
  ].join('\n');
}

const shapeFamily = familyIndex('shape function', SHAPE_FAMILIES);
const foldFamily = familyIndex('fold', FOLD_FAMILIES);
const milFamily = new Map(Object.entries(MIL_OP_FAMILIES).flatMap(([family, defs]) => defs.map((d) => [d.name, family] as const)));

/** The op's file in each layer, grouped where layers share a family name. */
function files(op: string, family: string, conv: OpConverter): string {
  const onnxLayers: [string, string | undefined][] = [['shapes', shapeFamily.get(op)], ['fold', foldFamily.get(op)], ['convert', family]];
  const byFile = new Map<string, string[]>();
  for (const [layer, f] of onnxLayers) if (f !== undefined) byFile.set(f, [...(byFile.get(f) ?? []), layer]);
  const parts = [...byFile].map(([f, layers]) => `${layers.join(', ')}: \`${f}.ts\``);
  const mil = [...new Set(conv.milOps.map((m) => milFamily.get(m)).filter((f): f is string => f !== undefined))];
  if (mil.length > 0) parts.push(`MIL, kernel: ${mil.map((f) => `\`${f}.ts\``).join(', ')}`);
  return parts.join('; ');
}

function opsetRange([from, to]: readonly [number, number]): string {
  return to >= 99 ? `${from}+` : from === to ? String(from) : `${from}–${to}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
