import { appendFile } from 'node:fs/promises';
import { fitCommentBody } from '../report/truncate.js';

/**
 * The job summary ($GITHUB_STEP_SUMMARY) needs no token, so it is written on
 * every run, fork PRs included. The runner refuses a step summary over 1 MiB
 * (bytes, not characters), so a longer report is cut below that.
 */

export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Cuts markdown to at most `limitBytes` UTF-8 bytes with a note, reusing the comment cutter. */
export function fitSummary(markdown: string, note: string, limitBytes = STEP_SUMMARY_LIMIT_BYTES): string {
  let text = markdown;
  let charLimit = markdown.length;
  while (Buffer.byteLength(text, 'utf8') > limitBytes) {
    // Shrink the character budget in proportion to the overshoot (plus 1%) until the bytes fit.
    charLimit = Math.floor((charLimit * limitBytes) / Buffer.byteLength(text, 'utf8') * 0.99);
    text = fitCommentBody(markdown, note, charLimit);
  }
  return text;
}

/** Appends the report to the step summary; returns false when no summary file is available (outside Actions). */
export async function writeJobSummary(file: string | undefined, markdown: string, note: string): Promise<boolean> {
  if (!file) return false;
  await appendFile(file, `${fitSummary(markdown, note)}\n`, 'utf8');
  return true;
}
