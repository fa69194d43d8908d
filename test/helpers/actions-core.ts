import type * as core from '@actions/core';
import { vi } from 'vitest';

/**
 * A stand-in for @actions/core, in the manner of the typescript-action
 * template's __fixtures__/core.ts: every function a vi.fn, and a job summary
 * that records what was written. Use it with
 * `vi.mock('@actions/core', () => import('../helpers/actions-core.js'))`.
 */

export const debug = vi.fn<typeof core.debug>();
export const info = vi.fn<typeof core.info>();
export const warning = vi.fn<typeof core.warning>();
export const error = vi.fn<typeof core.error>();
export const setSecret = vi.fn<typeof core.setSecret>();
export const setFailed = vi.fn<typeof core.setFailed>();
export const setOutput = vi.fn<typeof core.setOutput>();
export const getInput = vi.fn<typeof core.getInput>();
export const getBooleanInput = vi.fn<typeof core.getBooleanInput>();

/** The job summary: `written` holds each text that reached write(). */
export const summary = {
  buffer: '',
  written: [] as string[],
  addRaw: vi.fn((text: string, addEOL = false) => {
    summary.buffer += addEOL ? `${text}\n` : text;
    return summary;
  }),
  write: vi.fn(async () => {
    summary.written.push(summary.buffer);
    summary.buffer = '';
    return summary;
  }),
  emptyBuffer: vi.fn(() => {
    summary.buffer = '';
    return summary;
  }),
};

/** Clears recorded calls and summary text between tests. */
export function resetCoreMock(): void {
  vi.clearAllMocks();
  summary.buffer = '';
  summary.written = [];
}

/** The outputs set so far, by name (the last value wins, as on the runner). */
export function outputsSet(): Record<string, string> {
  return Object.fromEntries(setOutput.mock.calls.map(([name, value]) => [name, String(value)]));
}
