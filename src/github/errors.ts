/**
 * Failures of the action's own plumbing (git, the GitHub API, artifacts,
 * report files), as opposed to model errors, which the report carries per
 * model. `code` is stable; `message` names what failed and never carries a
 * token or request headers.
 */
export type ActionErrorCode = 'GIT' | 'GITHUB_API' | 'ARTIFACT' | 'REPORT' | 'EVENT';

export class ActionError extends Error {
  readonly code: ActionErrorCode;
  constructor(code: ActionErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ActionError';
    this.code = code;
  }
}
