/**
 * Terminal output for the command-line tool. File names, node names and op
 * types come from models a user may not have written; printed raw, an ESC or CR
 * inside them could rewrite the terminal or forge log lines (a newline followed
 * by `::warning::` becomes a GitHub Actions workflow command). Every line goes
 * through `escapeTerminal` before it reaches a stream.
 */

import type { TextSink } from '../progress.js';
import { capEchoed, capJsonStrings } from '../report/escape.js';
import { scaleBytes } from '../report/format.js';

export type { TextSink };

/** Where `main` writes; tests pass in-memory sinks, the entry passes process streams. */
export interface CliIO {
  stdout: TextSink;
  stderr: TextSink;
  /** Whether stderr is an interactive terminal; the progress line is drawn only then. */
  stderrIsTTY: boolean;
}

/** Short escapes people recognise; everything else unsafe becomes \xNN or \u{N}. */
const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\x1b': '\\e',
};

/**
 * C0 and C1 control characters, DEL, line/paragraph separators, and the
 * bidirectional overrides that can make text display in a different order than
 * it is stored ("Trojan Source").
 */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

function escapeCharacter(ch: string): string {
  const named = NAMED_ESCAPES[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Makes an untrusted string safe to print on one terminal line. */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, escapeCharacter);
}

/** Writes whole lines, each escaped; the only way the CLI prints human-readable text. */
export class LinePrinter {
  constructor(private readonly sink: TextSink) {}

  line(text = ''): void {
    this.sink.write(`${escapeTerminal(capEchoed(text))}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }
}

/** Writes one JSON document; JSON.stringify already escapes control characters inside strings, and names are capped. */
export function writeJson(sink: TextSink, value: unknown): void {
  sink.write(`${JSON.stringify(capJsonStrings(value), null, 2)}\n`);
}

/** 1234567 → "1.2 MB": the report's units (scaleBytes), one decimal fewer to keep terminal lines short. */
export function formatBytes(bytes: number): string {
  const { value, unit } = scaleBytes(bytes);
  const digits = unit === 'B' || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${unit}`;
}
