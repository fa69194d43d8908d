import { markdownTable } from 'markdown-table';
import type { FeatureSummary, InterfaceSummary } from '../interface/describe.js';
import { escapeMarkdown, escapeMarkdownCode } from './escape.js';

/**
 * The comment's interface section for one model: what an app sees of its package —
 * inputs and outputs with type and shape, image color space and normalization, the
 * classifier's label count, the metadata that was set. Folded, with a one-line summary.
 */

const METADATA_FIELDS = ['author', 'license', 'version', 'description'] as const;

/** User-defined metadata entries shown by name; more are counted. */
const SHOWN_ENTRIES = 8;

function featureRow(direction: string, f: FeatureSummary): string[] {
  // Numbers read best as code: markdown escaping would put a backslash before every dot.
  const notes = [
    ...(f.normalization === undefined ? [] : [escapeMarkdownCode(f.normalization, 300)]),
    ...(f.description === undefined ? [] : [escapeMarkdown(f.description, 300)]),
  ];
  return [direction, escapeMarkdownCode(f.name, 80), escapeMarkdownCode(f.type, 200), notes.join('; ') || '—'];
}

function headline(s: InterfaceSummary): string {
  const images = s.inputs.filter((f) => f.kind === 'image').length;
  const parts = [`${s.inputs.length} input(s)${images > 0 ? `, ${images} image` : ''}`, `${s.outputs.length} output(s)`];
  if (s.classifier) parts.push(`classifier with ${s.classifier.labels} labels`);
  if (s.pipeline) parts.push(`pipeline of ${s.pipeline.stages.length} stages`);
  const set = METADATA_FIELDS.filter((k) => s.metadata[k] !== undefined);
  if (set.length > 0) parts.push(`${set.join(', ')} set`);
  return `Interface: ${parts.join(' · ')}`;
}

function metadataLines(s: InterfaceSummary): string[] {
  // A description can be a whole document (ONNX doc_strings run to megabytes): the comment gives its length only.
  const lines = Object.entries(s.metadata).map(([k, v]) =>
    k === 'description' ? `- description: set (${Array.from(v).length} characters)` : `- ${escapeMarkdown(k)}: ${escapeMarkdown(v, 120)}`,
  );
  const entries = Object.entries(s.userDefined);
  const shown = entries.slice(0, SHOWN_ENTRIES).map(([k, v]) => `${escapeMarkdownCode(k, 80)} = ${escapeMarkdownCode(v, 100)}`);
  if (entries.length > 0) lines.push(`- user-defined: ${shown.join(', ')}${entries.length > SHOWN_ENTRIES ? ` and ${entries.length - SHOWN_ENTRIES} more` : ''}`);
  return lines;
}

export function renderInterfaceSection(s: InterfaceSummary): string {
  const rows = [...s.inputs.map((f) => featureRow('input', f)), ...s.outputs.map((f) => featureRow('output', f))];
  const parts = [markdownTable([['', 'Name', 'Type', 'Normalization / description'], ...rows])];
  if (s.classifier) {
    const c = s.classifier;
    const softmax = c.softmaxAdded === null ? '' : c.softmaxAdded ? '; a softmax was added to the scores' : '; the scores were already normalized';
    parts.push(`Classifier: ${c.labels} labels; label ${escapeMarkdownCode(c.labelOutput, 80)}, probabilities ${escapeMarkdownCode(c.probabilitiesOutput, 80)}${softmax}.`);
  }
  if (s.pipeline) parts.push(`Pipeline: ${s.pipeline.stages.map((st) => escapeMarkdown(st)).join(' → ')}${s.pipeline.nms ? ` (${escapeMarkdown(s.pipeline.nms, 300)})` : ''}.`);
  const meta = metadataLines(s);
  if (meta.length > 0) parts.push(['Metadata:', ...meta].join('\n'));
  // The headline holds only counts and fixed field names, nothing a model or user wrote.
  return `<details><summary>${headline(s)}</summary>\n\n${parts.join('\n\n')}\n\n</details>`;
}
