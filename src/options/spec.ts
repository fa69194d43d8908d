/**
 * The shape of one option, shared by the command line and the action. An
 * option has one parser and one rule; the CLI and the action only differ in
 * how they find the raw text (argv or an INPUT_ variable) and in how they word
 * a rejection (`--name must be …, got '…'` or ``input `name`: "…" is not …``).
 */

/** A value the option's rule refuses. `expected` completes "must be …" / "is not …"; `problem` is a sentence of its own. */
export class OptionRejected extends Error {
  constructor(
    readonly expected: string | undefined,
    readonly problem: string | undefined,
  ) {
    super(problem ?? `expected ${expected}`);
    this.name = 'OptionRejected';
  }
}

/** Refuses a value that is not what `expected` says ("a number ≥ 0"). */
export function expected(what: string): never {
  throw new OptionRejected(what, undefined);
}

/** Refuses a value with a sentence of its own ("unknown int3; known variants: …"). */
export function problem(text: string): never {
  throw new OptionRejected(undefined, text);
}

export interface OptionSpec<T> {
  /** The CLI flag without `--`; absent when only the action has the option. */
  readonly flag?: string;
  readonly short?: string;
  /** The action input name (action.yml); absent when only the CLI has it. */
  readonly input?: string;
  /**
   * `string`: takes a value; `flag`: a bare CLI switch (`--json`). A flag that is also an
   * action input reads that input's text with `parse` (`allow-unverified: true`).
   */
  readonly type: 'string' | 'flag';
  /** Repeatable on the command line; the parser then sees each occurrence. */
  readonly multiple?: boolean;
  /** Turns trimmed, non-empty raw text into the typed value, or throws OptionRejected. */
  readonly parse: (raw: string) => T;
  /** The raw default, parsed like a given value; absent: the option is optional (undefined). */
  readonly default?: string;
  /** The value placeholder in CLI help (`X`, `DB`, `LIST`). */
  readonly metavar?: string;
  /** CLI help, one or more lines without the flag column. */
  readonly cliHelp?: readonly string[];
  /** What action.yml and the README's input table say (markdown backticks allowed). */
  readonly description?: string;
  /** The README's default column when the raw default does not say it well. */
  readonly defaultLabel?: string;
}

// ---- parsers: one rule each, used by both sides ----

/** A number that passes `valid`; `what` names the rule for the rejection. */
export function numberRule(valid: (x: number) => boolean, what: string): (raw: string) => number {
  return (raw) => {
    const x = Number(raw);
    if (!Number.isFinite(x) || !valid(x)) expected(what);
    return x;
  };
}

/** One of `values`, matched without regard to case and returned as declared. */
export function choiceRule<T extends string>(values: readonly T[]): (raw: string) => T {
  return (raw) => values.find((v) => v.toLowerCase() === raw.toLowerCase()) ?? expected(`one of ${values.join(', ')}`);
}

/**
 * The words `@actions/core` getBooleanInput accepts (YAML 1.2 core schema):
 * an action input and a CLI flag value take the same words.
 */
export const TRUE_WORDS = ['true', 'True', 'TRUE'] as const;
export const FALSE_WORDS = ['false', 'False', 'FALSE'] as const;

export function booleanRule(raw: string): boolean {
  if ((TRUE_WORDS as readonly string[]).includes(raw)) return true;
  if ((FALSE_WORDS as readonly string[]).includes(raw)) return false;
  return expected('true or false (also True, TRUE, False, FALSE)');
}

/** Items separated by newlines or commas, trimmed, empties and repeats dropped. */
export function splitList(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  ];
}

export function textRule(raw: string): string {
  return raw;
}
