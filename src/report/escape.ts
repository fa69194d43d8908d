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

/**
 * GitHub Actions workflow commands (`::error::`, `::set-output::`) are parsed
 * from log lines; data written to the log must not be able to start one.
 */
export function escapeWorkflowCommandData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Single-quotes a string for a POSIX shell command line shown to users. */
export function quoteForShell(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
