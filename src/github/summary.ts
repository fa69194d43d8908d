import * as core from '@actions/core';
import { errorMessage } from '../errors.js';
import { fitCommentBody } from '../report/truncate.js';
import type { ActionLog } from './log.js';

/**
 * The job summary needs no token, so it is written on every run, fork PRs
 * included, through @actions/core's `summary` ($GITHUB_STEP_SUMMARY). The
 * runner refuses a step summary over 1 MiB (bytes, not characters), so a
 * longer report is cut below that first.
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

/** Appends the report, cut to fit, to the job summary; a runner without one (or a failed write) is only warned about. */
export async function writeJobSummary(markdown: string, note: string, log: ActionLog): Promise<void> {
  try {
    await core.summary.addRaw(fitSummary(markdown, note), true).write();
  } catch (err) {
    core.summary.emptyBuffer();
    log.warning(`writing the job summary failed: ${errorMessage(err)}`);
  }
}
