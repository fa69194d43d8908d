import * as core from '@actions/core';
import { escapeForLog } from '../report/escape.js';

/**
 * Where the action writes its log. Untrusted text (file names, messages that
 * quote a model) goes through `escapeForLog` before it is joined into a line,
 * so a newline followed by `::command::` in a file name cannot become a
 * workflow command.
 */
export interface ActionLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Registers a value the runner must mask in every later log line. */
  setSecret(value: string): void;
  /** Marks the step as failed with this message (the step still runs to the end). */
  setFailed(message: string): void;
}

/** Formats an untrusted string for a log line. */
export const shown = (s: string): string => escapeForLog(s, 300);

export function coreLog(): ActionLog {
  return {
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    error: (m) => core.error(m),
    setSecret: (v) => core.setSecret(v),
    setFailed: (m) => core.setFailed(m),
  };
}
