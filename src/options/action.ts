import { ToolError } from '../errors.js';
import { ACTION_INPUT_KEYS, OPTIONS, type OptionKey, type OptionValue } from './definitions.js';
import { OptionRejected, type OptionSpec } from './spec.js';

/**
 * The action's view of the option table: an input's typed value (an empty
 * input takes the default), the rejection worded for the log, and the text of
 * action.yml's inputs and the README's input table.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where an input's raw text comes from: `@actions/core` getInput on a runner
 * (it reads INPUT_<NAME> and trims); tests hand in their own inputs.
 */
export type InputSource = (name: string) => string;

function spec(key: OptionKey): OptionSpec<unknown> & { input: string } {
  const s: OptionSpec<unknown> = OPTIONS[key];
  if (s.input === undefined) throw new Error(`option ${key} is not an action input`);
  return s as OptionSpec<unknown> & { input: string };
}

export function inputRejection(name: string, raw: string, err: OptionRejected): ToolError {
  return new ToolError('USAGE', `input \`${name}\`: ${err.expected !== undefined ? `"${raw}" is not ${err.expected}` : err.problem}`);
}

/** The typed value of an input: given, else its default, else undefined. */
export function actionOption<K extends OptionKey>(input: InputSource, key: K): OptionValue<K> | undefined {
  const s = spec(key);
  const raw = input(s.input) || s.default;
  if (raw === undefined) return undefined;
  try {
    return s.parse(raw) as OptionValue<K>;
  } catch (err) {
    if (err instanceof OptionRejected) throw inputRejection(s.input, raw, err);
    throw err;
  }
}

/** Like actionOption, for inputs that have a default and so always a value. */
export function requiredActionOption<K extends OptionKey>(input: InputSource, key: K): OptionValue<K> {
  const value = actionOption(input, key);
  if (value === undefined) throw new Error(`input ${spec(key).input} has no default`);
  return value;
}

/** The inputs' raw defaults, by input name, as action.yml declares them. */
export function inputDefaults(): Record<string, string> {
  return Object.fromEntries(ACTION_INPUT_KEYS.map((k) => [spec(k).input, spec(k).default ?? '']));
}

function yamlScalar(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** action.yml's description: the README text without markdown; a sentence starts with a capital unless it starts with a value. */
function plainDescription(key: OptionKey): string {
  const markdown = spec(key).description ?? '';
  const text = markdown.replace(/`/g, '');
  return markdown.startsWith('`') ? `${text}.` : `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The `inputs:` block of action.yml. */
export function renderActionYmlInputs(): string {
  const lines = ['inputs:'];
  for (const key of ACTION_INPUT_KEYS) {
    const s = spec(key);
    lines.push(`  ${s.input}:`, `    description: ${yamlScalar(plainDescription(key))}`, '    required: false', `    default: ${yamlScalar(s.default ?? '')}`);
  }
  return `${lines.join('\n')}\n`;
}

const README_TABLE_START = '| input | default | meaning |';

/** The README's input table. */
export function renderReadmeInputsTable(): string {
  const rows = ACTION_INPUT_KEYS.map((key) => {
    const s = spec(key);
    const fallback = s.defaultLabel ?? (s.default === undefined ? '(none)' : `\`${s.default}\``);
    return `| \`${s.input}\` | ${fallback} | ${(s.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return [README_TABLE_START, '|---|---|---|', ...rows].join('\n') + '\n';
}

/** action.yml with its `inputs:` block (up to `outputs:`) rendered from the option table. */
export function withGeneratedActionInputs(actionYml: string): string {
  const start = actionYml.indexOf('\ninputs:\n');
  const end = actionYml.indexOf('\noutputs:');
  if (start === -1 || end === -1) throw new Error('action.yml has no inputs: block followed by outputs:');
  return `${actionYml.slice(0, start + 1)}${renderActionYmlInputs()}${actionYml.slice(end)}`;
}

/** The README with its input table (up to the next blank line) rendered from the option table. */
export function withGeneratedReadmeInputs(readme: string): string {
  const start = readme.indexOf(`\n${README_TABLE_START}\n`);
  if (start === -1) throw new Error('README has no input table');
  const end = readme.indexOf('\n\n', start + 1);
  return `${readme.slice(0, start + 1)}${renderReadmeInputsTable()}${readme.slice(end + 1)}`;
}
