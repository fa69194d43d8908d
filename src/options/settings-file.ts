import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { parseFreeze } from '../cli/args.js';
import { parseInterfaceArgs } from '../cli/interface-args.js';
import { parseShapeArgs, type ShapeArgs } from '../cli/shape-args.js';
import type { InterfaceRequest } from '../convert/interface-source.js';
import { ToolError } from '../errors.js';
import { readRegularFile } from '../safe-file.js';
import type { DeploymentTarget } from '../mil/ir.js';
import type { GateSettings } from '../report/schema.js';
import { cliOption, type CliValues } from './cli.js';
import { OPTIONS, type OptionKey } from './definitions.js';
import { OptionRejected, type OptionSpec } from './spec.js';

/**
 * The per-model settings file (`onnx-coreml.yml` at the repository root by default):
 *
 *   models:
 *     - match: models/vision/*.onnx        # a glob or a list of globs
 *       target: iOS16
 *       variants: [fp32, fp16, int8]
 *       image-input: input:RGB
 *       mean: [0.485, 0.456, 0.406]
 *
 * Each entry maps globs to options spelled as on the command line; every entry whose
 * globs match a model applies, later entries over earlier ones. Values go through the
 * same parsers as the command line, so a setting means what the flag means. Anything
 * wrong (YAML syntax, an unknown key, a refused value) is an error naming the file, the
 * line and the key, raised when the file is read, before any model runs.
 */

export const DEFAULT_SETTINGS_FILE = 'onnx-coreml.yml';

/** What one model's settings override for the run. */
export interface ModelSettings {
  target?: DeploymentTarget;
  variants?: string[];
  gates?: Partial<GateSettings>;
  freeze?: Record<string, number[]>;
  inputShapes?: ShapeArgs['inputShapes'];
  ranges?: ShapeArgs['ranges'];
  enumeratedShapes?: ShapeArgs['enumeratedShapes'];
  /** Rows ONNX NonMaxSuppression's selected_indices are padded to. */
  maxDetections?: number;
  interface?: InterfaceRequest;
}

interface SettingsEntry {
  line: number;
  matches: (path: string) => boolean;
  settings: ModelSettings;
}

export interface SettingsFile {
  file: string;
  entries: SettingsEntry[];
}

/** Keys an entry may hold besides `match`: run options, shape options and the interface options. */
const RUN_KEYS = ['target', 'variants', 'maxAbsError', 'minPsnr', 'maxSizeIncrease', 'failOnUnsupported'] as const satisfies readonly OptionKey[];
const SHAPE_KEYS = ['freeze', 'inputShape', 'range', 'enumerate'] as const satisfies readonly OptionKey[];
const CONVERT_KEYS = ['maxDetections'] as const satisfies readonly OptionKey[];
const INTERFACE_KEYS = [
  'imageInput', 'pixelScale', 'pixelBias', 'mean', 'std', 'pixelRange', 'imageOutput', 'classLabels', 'probabilitiesOutput',
  'nms', 'nmsLayout', 'boxFormat', 'boxUnits', 'iouThreshold', 'confidenceThreshold', 'classAgnostic',
  'author', 'license', 'modelVersion', 'description', 'inputDescription', 'outputDescription', 'metadata',
] as const satisfies readonly OptionKey[];
const ENTRY_KEYS: readonly OptionKey[] = [...RUN_KEYS, ...SHAPE_KEYS, ...CONVERT_KEYS, ...INTERFACE_KEYS];
const KEY_BY_FLAG = new Map(ENTRY_KEYS.map((k) => [(OPTIONS[k] as OptionSpec<unknown>).flag!, k]));

class SettingsError extends ToolError {
  constructor(file: string, line: number, message: string) {
    super('USAGE', `line ${line}: ${message}`, { file });
  }
}

interface Reader {
  file: string;
  lines: LineCounter;
}

function lineOf(reader: Reader, node: Node | Pair | null | undefined): number {
  const range = node && 'range' in node ? node.range : node && 'key' in node && node.key && typeof node.key === 'object' && 'range' in node.key ? (node.key as Node).range : undefined;
  return range ? reader.lines.linePos(range[0]).line : 1;
}

function scalarText(reader: Reader, node: unknown, key: string): string {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean')) return String(node.value);
  throw new SettingsError(reader.file, lineOf(reader, node as Node), `'${key}' takes a value (a string or a number), not a list or a map`);
}

/** Items of a list, or the one scalar. */
function scalarItems(reader: Reader, node: unknown, key: string): string[] {
  return isSeq(node) ? node.items.map((item) => scalarText(reader, item, key)) : [scalarText(reader, node, key)];
}

/** A map's pairs as NAME=VALUE items, list values joined with `join`. */
function assignmentItems(reader: Reader, node: unknown, key: string, join: string): string[] {
  if (!isMap(node)) throw new SettingsError(reader.file, lineOf(reader, node as Node), `'${key}' takes a map of name: value`);
  return node.items.map((pair) => `${scalarText(reader, pair.key, key)}=${scalarItems(reader, pair.value, key).join(join)}`);
}

/** `range: { input: { 2: 224..512 } }` as NAME:DIM=MIN..MAX items. */
function rangeItems(reader: Reader, node: unknown): string[] {
  if (!isMap(node)) throw new SettingsError(reader.file, lineOf(reader, node as Node), "'range' takes a map of input: { dim: MIN..MAX }");
  return node.items.flatMap((pair) => {
    const input = scalarText(reader, pair.key, 'range');
    if (!isMap(pair.value)) throw new SettingsError(reader.file, lineOf(reader, pair), `'range' of input '${input}' takes a map of dim: MIN..MAX`);
    return pair.value.items.map((dim) => {
      const bounds = scalarItems(reader, dim.value, 'range');
      return `${input}:${scalarText(reader, dim.key, 'range')}=${bounds.length === 2 ? bounds.join('..') : bounds[0]}`;
    });
  });
}

/** The raw command-line form of one setting, so the command line's parsers read it. */
function rawValue(reader: Reader, key: OptionKey, node: unknown): string | string[] {
  const spec = OPTIONS[key] as OptionSpec<unknown>;
  if (key === 'range') return rangeItems(reader, node);
  if (key === 'freeze' || key === 'inputDescription' || key === 'outputDescription' || key === 'metadata') return assignmentItems(reader, node, spec.flag!, ',');
  if (key === 'inputShape') return assignmentItems(reader, node, spec.flag!, 'x');
  if (key === 'enumerate') return assignmentItems(reader, node, spec.flag!, ',');
  return spec.multiple ? scalarItems(reader, node, spec.flag!) : scalarItems(reader, node, spec.flag!).join(',');
}

/** Parses each value with its option's rule, so a refused value is reported at its own line. */
function checkValue(reader: Reader, key: OptionKey, raw: string | string[], line: number): void {
  const spec = OPTIONS[key] as OptionSpec<unknown>;
  if (['freeze', 'inputShape', 'range', 'enumerate'].includes(key)) return; // checked as a group below
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    try {
      spec.parse(item.trim());
    } catch (err) {
      if (!(err instanceof OptionRejected)) throw err;
      const why = err.expected !== undefined ? `must be ${err.expected}, got '${item}'` : err.problem;
      throw new SettingsError(reader.file, line, `'${spec.flag}' ${why}`);
    }
  }
}

function entrySettings(reader: Reader, values: CliValues, line: number): ModelSettings {
  const fail = (message: string): Error => new SettingsError(reader.file, line, message.replace(/--([a-z-]+)/g, "'$1'"));
  const settings: ModelSettings = {};
  const target = cliOption(values, 'target', fail);
  if (values['target'] !== undefined && target !== undefined) settings.target = target;
  const variants = values['variants'] === undefined ? undefined : cliOption(values, 'variants', fail);
  if (variants !== undefined) settings.variants = variants;
  const gates: Partial<GateSettings> = {};
  const maxAbsError = cliOption(values, 'maxAbsError', fail);
  if (maxAbsError !== undefined) gates.maxAbsError = maxAbsError;
  const minPsnr = cliOption(values, 'minPsnr', fail);
  if (minPsnr !== undefined) gates.minPsnr = minPsnr;
  const maxSizeIncrease = cliOption(values, 'maxSizeIncrease', fail);
  if (maxSizeIncrease !== undefined) gates.maxSizeIncrease = maxSizeIncrease;
  if (values['fail-on-unsupported'] !== undefined) gates.failOnUnsupported = cliOption(values, 'failOnUnsupported', fail)!;
  if (Object.keys(gates).length > 0) settings.gates = gates;
  const freeze = parseFreeze(values['freeze'], fail);
  if (freeze) settings.freeze = freeze;
  const maxDetections = cliOption(values, 'maxDetections', fail);
  if (maxDetections !== undefined) settings.maxDetections = maxDetections;
  Object.assign(
    settings,
    parseShapeArgs(values, (message) => {
      throw fail(message);
    }),
  );
  const face = parseInterfaceArgs(values, fail);
  if (face) settings.interface = face;
  return settings;
}


function readEntry(reader: Reader, node: unknown, index: number): SettingsEntry {
  if (!isMap(node)) throw new SettingsError(reader.file, lineOf(reader, node as Node), `models[${index}] must be a map with 'match' and settings`);
  const map = node as YAMLMap;
  const line = lineOf(reader, map);
  const values: Record<string, string | string[]> = {};
  let globs: string[] | undefined;
  for (const pair of map.items) {
    const name = scalarText(reader, pair.key, `models[${index}]`);
    const at = lineOf(reader, pair);
    if (name === 'match') {
      globs = scalarItems(reader, pair.value, 'match');
      continue;
    }
    const key = KEY_BY_FLAG.get(name);
    if (!key) throw new SettingsError(reader.file, at, `unknown key '${name}'; known keys: match, ${[...KEY_BY_FLAG.keys()].join(', ')}`);
    const raw = rawValue(reader, key, pair.value);
    checkValue(reader, key, raw, at);
    values[name] = raw;
  }
  if (!globs || globs.length === 0) throw new SettingsError(reader.file, line, `models[${index}] has no 'match' (a glob or a list of globs)`);
  const literal = new Set(globs);
  const glob = picomatch(globs, { dot: true });
  return { line, matches: (path) => literal.has(path) || glob(path), settings: entrySettings(reader, values, line) };
}

/** Parses settings text; `file` names it in errors. */
export function parseSettings(text: string, file: string): SettingsFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const reader: Reader = { file, lines };
  const [error] = doc.errors;
  if (error) throw new SettingsError(file, lines.linePos(error.pos[0]).line, `not valid YAML: ${error.message.split('\n')[0]}`);
  const root = doc.contents;
  if (root === null) return { file, entries: [] };
  if (!isMap(root)) throw new SettingsError(file, lineOf(reader, root), "the file must be a map with a 'models' list");
  const entries: SettingsEntry[] = [];
  for (const pair of root.items) {
    const name = scalarText(reader, pair.key, 'the top level');
    if (name !== 'models') throw new SettingsError(file, lineOf(reader, pair), `unknown key '${name}'; the top level has only 'models'`);
    if (!isSeq(pair.value)) throw new SettingsError(file, lineOf(reader, pair), "'models' must be a list of entries");
    pair.value.items.forEach((item, i) => entries.push(readEntry(reader, item, i)));
  }
  return { file, entries };
}

/** A settings file is a few kilobytes of YAML; this is far beyond any real one. */
const MAX_SETTINGS_BYTES = 1 << 20;

/**
 * Reads the settings file. A missing file is no error when it is the default one
 * (`required` false): the run then has no per-model settings.
 */
export async function readSettingsFile(path: string, label: string, required: boolean): Promise<SettingsFile | undefined> {
  let text: string;
  try {
    // Through the safe opener: the file may come with a pull request (a FIFO, a link to anywhere).
    text = (await readRegularFile(path, { what: 'the settings file', maxBytes: MAX_SETTINGS_BYTES, code: 'USAGE', file: label })).toString('utf8');
  } catch (err) {
    if (!required && err instanceof ToolError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
  return parseSettings(text, label);
}

/**
 * The run's settings file: the one named (which must exist), else the default file in
 * `cwd` when there is one. Read before any model runs, so a mistake stops the run early.
 */
export async function loadSettingsFile(cwd: string, named: string | undefined): Promise<SettingsFile | undefined> {
  const label = named ?? DEFAULT_SETTINGS_FILE;
  return readSettingsFile(resolve(cwd, label), label, named !== undefined);
}

/** The settings for a model path (relative to the repository), merged over every matching entry. */
export function settingsFor(file: SettingsFile | undefined, path: string): ModelSettings {
  const merged: ModelSettings = {};
  for (const entry of file?.entries ?? []) {
    if (!entry.matches(path)) continue;
    const { gates, interface: face, ...rest } = entry.settings;
    Object.assign(merged, rest);
    if (gates) merged.gates = { ...merged.gates, ...gates };
    if (face) merged.interface = { ...merged.interface, ...face };
  }
  return merged;
}
