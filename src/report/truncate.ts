/**
 * GitHub rejects comment bodies over 65,536 characters. A long report is cut
 * at a line boundary (never inside a surrogate pair), open <details> blocks are
 * closed so the rest of the comment still renders, and a note points at the
 * full report.
 */
export const GITHUB_COMMENT_LIMIT = 65_536;

export function fitCommentBody(body: string, note: string, limit = GITHUB_COMMENT_LIMIT): string {
  if (body.length <= limit) return body;
  const closing = '\n\n</details>';
  const suffix = `\n\n> ✂️ ${note}\n`;
  // Reserve room for the note and for closing every <details> the cut may leave open.
  const openBlocks = (body.match(/<details/g) ?? []).length;
  const budget = limit - suffix.length - openBlocks * closing.length;
  let cut = body.lastIndexOf('\n', budget);
  if (cut <= 0) cut = budget;
  // Never end on a lone high surrogate.
  const code = body.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  const head = body.slice(0, cut);
  const unclosed = (head.match(/<details/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
  return head + closing.repeat(Math.max(0, unclosed)) + suffix;
}
