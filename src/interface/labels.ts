import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ModelInputError } from '../errors.js';

/**
 * Class labels from a file (`.txt`: one per line; `.json`: an array of strings or of
 * integers) or from a source model's key → value properties.
 */

function fail(file: string, problem: string): ModelInputError {
  return new ModelInputError('MALFORMED', `class labels: ${problem}`, { file });
}

function checkLabels(labels: string[] | number[], file: string): string[] | number[] {
  if (labels.length < 2) throw fail(file, `a classifier needs at least 2 labels, got ${labels.length}`);
  const seen = new Set<string | number>();
  for (const l of labels) {
    if (seen.has(l)) throw fail(file, `label "${String(l)}" appears twice`);
    seen.add(l);
  }
  return labels;
}

/** Labels from JSON text: an array of strings, or of safe integers. */
export function labelsFromJson(text: string, file: string): string[] | number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw fail(file, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw fail(file, 'the JSON must be an array of labels');
  if (parsed.every((l): l is string => typeof l === 'string')) return checkLabels(parsed, file);
  if (parsed.every((l): l is number => typeof l === 'number' && Number.isSafeInteger(l))) return checkLabels(parsed, file);
  throw fail(file, 'the JSON array must hold only strings or only integers');
}

/** Labels from text, one per line; a trailing newline (and Windows line ends) are not labels. */
export function labelsFromLines(text: string, file: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.findIndex((l) => l.trim() === '');
  if (blank >= 0) throw fail(file, `line ${blank + 1} is empty`);
  return checkLabels(lines, file) as string[];
}

/** Caps what a labels file may hold: 100k classes are far beyond any real classifier. */
const MAX_LABELS_BYTES = 16 * 1024 * 1024;

export async function readLabelsFile(file: string): Promise<string[] | number[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelInputError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'MALFORMED', `cannot read the class labels file (${code ?? (err as Error).message})`, { file, cause: err });
  }
  if (bytes.byteLength > MAX_LABELS_BYTES) throw fail(file, `the file is larger than ${MAX_LABELS_BYTES} bytes`);
  const text = bytes.toString('utf8');
  return extname(file).toLowerCase() === '.json' ? labelsFromJson(text, file) : labelsFromLines(text, file);
}

/** Property keys a source model may keep its class labels under (JSON array, or one per line). */
export const LABEL_PROPERTY_KEYS = ['class_labels', 'classes', 'labels'] as const;

/** Labels from a model's properties, or undefined when it keeps none. */
export function labelsFromProperties(props: Record<string, string>, file: string): { labels: string[] | number[]; key: string } | undefined {
  for (const key of LABEL_PROPERTY_KEYS) {
    const text = props[key];
    if (text === undefined) continue;
    const labels = text.trimStart().startsWith('[') ? labelsFromJson(text, file) : labelsFromLines(text, file);
    return { labels, key };
  }
  return undefined;
}
