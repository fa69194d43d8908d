/**
 * onnxruntime's own logger writes raw lines to stderr, and they quote tensor
 * and node names from the model: a name holding "\n::warning::…" or
 * "\n::add-mask::…" becomes a real workflow command in a GitHub Actions log.
 * Every engine is therefore kept at its fatal level, both the process-wide
 * logger (env.logLevel, read when the engine first starts) and each session's
 * (logSeverityLevel 4 = fatal). What a failed run has to say still arrives as
 * the error it throws, which the tool escapes like any other message.
 */

/** Session options that silence one session's logger. */
export const QUIET_SESSION_OPTIONS = Object.freeze({ logSeverityLevel: 4 as const, logVerbosityLevel: 0 });

/** The process-wide log level (env.logLevel) every engine is given before its first session; see engine.ts. */
export const QUIET_LOG_LEVEL = 'fatal';
