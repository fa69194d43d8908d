/**
 * Escaping of untrusted strings (file names, tensor and node names, messages
 * that quote a model) for each place they go. A model in a pull request is
 * attacker-controlled: its names must not be able to mention people, link,
 * embed images, break a table, fake the sticky-comment marker, or move a
 * terminal cursor.
 */

const ZERO_WIDTH_SPACE = '\u200b';

/** Control characters (C0, DEL, C1) and bidi overrides that can reorder displayed text. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Markdown punctuation that can start emphasis, links, images, code, headings or table cells. */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+\-.!|~]/g;

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Truncates to at most `max` code points (never splitting a surrogate pair), marking the cut. */
export function truncateCodePoints(s: string, max: number): string {
  const points = Array.from(s);
  return points.length <= max ? s : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Longest untrusted name (tensor, node, op type, file) echoed whole; longer ones are cut. */
export const MAX_ECHOED_NAME = 200;
/** Longest message echoed whole (one error, one warning, one JSON string). */
export const MAX_ECHOED_TEXT = 4000;

/**
 * Cuts a name longer than `max` code points to its first `max`, marked with an
 * ellipsis and the full length: an op type of 100,000 characters must not make
 * a 500 KB error line, and the reader still sees how long it was.
 */
export function capName(s: string, max = MAX_ECHOED_NAME): string {
  if (s.length <= max) return s;
  const points = Array.from(s);
  return points.length <= max ? s : `${points.slice(0, max).join('')}… (${points.length} characters)`;
}

/**
 * Runs of non-space characters long enough to be a name that needs cutting. The
 * slack above MAX_ECHOED_NAME lets a name already cut, with the quotes and
 * punctuation around it, pass a second time unchanged.
 */
const LONG_RUN = new RegExp(`\\S{${MAX_ECHOED_NAME + 16},}`, 'gu');

/**
 * Caps a message that quotes untrusted names: each long run of non-space
 * characters as a name, then the whole text. Messages are built from many
 * sources; capping where they are printed bounds them all.
 */
export function capEchoed(text: string): string {
  if (text.length <= MAX_ECHOED_NAME) return text;
  return capName(text.replace(LONG_RUN, (run) => capName(run)), MAX_ECHOED_TEXT);
}

/** A JSON value with every string and key capped (see capEchoed), for output that echoes a model's names. */
export function capJsonStrings(value: unknown): unknown {
  if (typeof value === 'string') return capEchoed(value);
  if (Array.isArray(value)) return value.map(capJsonStrings);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[capName(k)] = capJsonStrings(v);
  return out;
}

/**
 * Escapes text for a Markdown paragraph or table cell on GitHub. The result
 * renders as the literal text (one line) and carries no markup.
 */
export function escapeMarkdown(s: string, maxLength = 300): string {
  const flat = truncateCodePoints(s.replace(/\r\n|\r|\n|\t/g, ' ').replace(CONTROL_CHARS, ''), maxLength);
  return flat
    .replace(/[&<>"]/g, (c) => HTML_ENTITIES[c]!)
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`) // no @mentions
    .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`) // no bare-URL autolinks
    .replace(/www\\\./gi, (m) => `${m.slice(0, 3)}${ZERO_WIDTH_SPACE}${m.slice(3)}`);
}

/** Escapes text for a Markdown inline code span: the span cannot be closed early and pipes stay in the cell. */
export function escapeMarkdownCode(s: string, maxLength = 300): string {
  const flat = truncateCodePoints(s.replace(/[\r\n\t]+/g, ' ').replace(CONTROL_CHARS, ''), maxLength)
    .replace(/\|/g, '\\|')
    // Code spans show HTML literally, but the raw comment body is searched for the bot's
    // hidden marker: break comment delimiters so a name can never carry one.
    .replace(/<!--/g, `<${ZERO_WIDTH_SPACE}!--`)
    .replace(/-->/g, `--${ZERO_WIDTH_SPACE}>`)
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`);
  const longestTicks = Math.max(0, ...(flat.match(/`+/g) ?? []).map((t) => t.length));
  const fence = '`'.repeat(longestTicks + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Escapes text for a terminal or a CI log line: control characters become visible escapes. */
export function escapeForLog(s: string, maxLength = 500): string {
  const shown = s.replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return truncateCodePoints(shown, maxLength);
}
