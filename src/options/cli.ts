import type { ParseArgsConfig } from 'node:util';
import { OPTIONS, type OptionKey, type OptionValue } from './definitions.js';
import { OptionRejected, type OptionSpec } from './spec.js';

/**
 * The command line's view of the option table: node:util parseArgs options,
 * typed values with the rejection worded for a terminal, and the help lines.
 */

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;
export type CliValues = Readonly<Record<string, string | string[] | boolean | undefined>>;

function spec(key: OptionKey): OptionSpec<unknown> & { flag: string } {
  const s: OptionSpec<unknown> = OPTIONS[key];
  if (s.flag === undefined) throw new Error(`option ${key} has no command-line flag`);
  return s as OptionSpec<unknown> & { flag: string };
}

/** The parseArgs configuration of a command that takes `keys`. */
export function parseArgsOptions(keys: readonly OptionKey[]): ParseArgsOptions {
  const options: ParseArgsOptions = {};
  for (const key of keys) {
    const s = spec(key);
    options[s.flag] = {
      type: s.type === 'flag' ? 'boolean' : 'string',
      ...(s.short === undefined ? {} : { short: s.short }),
      ...(s.multiple === true ? { multiple: true } : {}),
    };
  }
  return options;
}

/** The wording of a refused value on the command line. */
export function cliRejection(flag: string, raw: string, err: OptionRejected): string {
  return err.expected !== undefined ? `--${flag} must be ${err.expected}, got '${raw}'` : `--${flag}: ${err.problem}`;
}

/**
 * The typed value of a single-valued option: parsed from argv, else from its
 * default, else undefined. A refused value becomes `usageError(message)`.
 */
export function cliOption<K extends OptionKey>(values: CliValues, key: K, usageError: (message: string) => Error): OptionValue<K> | undefined {
  const s = spec(key);
  const given = values[s.flag];
  if (s.type === 'flag') return (given === true ? true : undefined) as OptionValue<K> | undefined;
  const raw = typeof given === 'string' ? given.trim() : s.default;
  if (raw === undefined) return undefined;
  try {
    return s.parse(raw) as OptionValue<K>;
  } catch (err) {
    if (err instanceof OptionRejected) throw usageError(cliRejection(s.flag, raw, err));
    throw err;
  }
}

/** The typed values of a repeatable option, one per occurrence, in order (empty when not given). */
export function cliOptionList<K extends OptionKey>(values: CliValues, key: K, usageError: (message: string) => Error): OptionValue<K>[] {
  const s = spec(key);
  const given = values[s.flag];
  const items = Array.isArray(given) ? given : typeof given === 'string' ? [given] : [];
  return items.map((item) => {
    const raw = item.trim();
    try {
      return s.parse(raw) as OptionValue<K>;
    } catch (err) {
      if (err instanceof OptionRejected) throw usageError(cliRejection(s.flag, raw, err));
      throw err;
    }
  });
}

const HELP_COLUMN_MAX = 31;

/** `  --flag METAVAR   help…`, the help aligned in one column per command. */
export function cliHelpLines(keys: readonly OptionKey[]): string[] {
  const heads = keys.map((key) => {
    const s = spec(key);
    const name = s.short === undefined ? `--${s.flag}` : `-${s.short}, --${s.flag}`;
    return `  ${name}${s.metavar === undefined ? '' : ` ${s.metavar}`}`;
  });
  const fitting = heads.filter((h) => h.length + 2 <= HELP_COLUMN_MAX);
  const column = Math.max(...fitting.map((h) => h.length)) + 2;
  return keys.flatMap((key, i) => {
    const help = spec(key).cliHelp ?? [];
    const head = heads[i]!;
    const pad = ' '.repeat(column);
    if (head.length + 2 > column) return [head, ...help.map((line) => pad + line)];
    const [first = '', ...rest] = help;
    return [head.padEnd(column) + first, ...rest.map((line) => pad + line)];
  });
}
