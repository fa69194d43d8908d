import { getOctokit } from '@actions/github';
import { defaults as actionsDefaults } from '@actions/github/lib/utils';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { ActionLog } from './log.js';

/**
 * The GitHub REST client: @actions/github's Octokit (typed `rest` methods,
 * `paginate`, the runner's proxy settings) with the retry plugin (5xx and
 * network errors, a bounded number of times) and the throttling plugin
 * (primary and secondary rate limits, retried only while the wait fits the
 * budget), a per-request timeout, and a cap on the total time spent waiting.
 */

export type GitHubApi = ReturnType<typeof getOctokit>;

export interface GitHubApiOptions {
  token: string;
  baseUrl: string;
  log: ActionLog;
  /** Abort any single request after this long. */
  requestTimeoutMs?: number;
  /** Retries for 5xx, 429 and network errors. */
  retries?: number;
  /** Retries after a rate-limit response. */
  rateLimitRetries?: number;
  /** Never wait longer than this for one rate-limit reset. */
  maxRateLimitWaitSeconds?: number;
  /** Never wait longer than this in total across all rate-limit retries. */
  totalWaitBudgetSeconds?: number;
  /** Base of the retry plugin's quadratic back-off (1 s on GitHub; smaller in tests). */
  retryBaseMs?: number;
  /** What one second of a rate-limit `retry-after` means, in ms (1000 on GitHub; tests shorten the waits). */
  rateLimitSecondMs?: number;
}

const USER_AGENT = 'onnx-coreml-action';

/** The HTTP status carried by an Octokit RequestError; network failures and timeouts arrive as 500. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('status' in err)) return undefined;
  const status = (err as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** A one-line description of a failed request that never includes headers (they carry the token). */
export function describeRequestError(err: unknown): string {
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return status !== undefined ? `HTTP ${status}: ${message}` : message;
}

/** The runner's fetch (honouring its proxy settings), with a timeout of its own for every request. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  const base = (actionsDefaults.request?.fetch as typeof fetch | undefined) ?? fetch;
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return base(input, { ...init, signal });
  };
}

type RateLimits = Required<Pick<GitHubApiOptions, 'rateLimitRetries' | 'maxRateLimitWaitSeconds' | 'totalWaitBudgetSeconds'>>;

function rateLimitHandler(kind: string, limits: RateLimits, log: ActionLog) {
  let waited = 0;
  return (retryAfter: number, request: { method?: string; url?: string }, _octokit: unknown, retryCount: number): boolean => {
    const what = `${request.method ?? 'GET'} ${request.url ?? ''}`;
    const withinBudget = retryAfter <= limits.maxRateLimitWaitSeconds && waited + retryAfter <= limits.totalWaitBudgetSeconds;
    if (retryCount >= limits.rateLimitRetries || !withinBudget) {
      log.warning(`GitHub ${kind} rate limit on ${what}: not retrying (would wait ${retryAfter} s after ${retryCount} retries)`);
      return false;
    }
    waited += retryAfter;
    log.info(`GitHub ${kind} rate limit on ${what}: retrying in ${retryAfter} s`);
    return true;
  };
}

export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  const limits = {
    rateLimitRetries: options.rateLimitRetries ?? 3,
    maxRateLimitWaitSeconds: options.maxRateLimitWaitSeconds ?? 120,
    totalWaitBudgetSeconds: options.totalWaitBudgetSeconds ?? 300,
  };
  return getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl,
      userAgent: USER_AGENT,
      // Octokit's own log would print request details on some failures; route only warnings and errors, as text.
      log: { debug: () => {}, info: () => {}, warn: (m: string) => options.log.warning(String(m)), error: (m: string) => options.log.error(String(m)) },
      request: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? 30_000) },
      // 429 is left to the throttling handlers, which honour retry-after and the wait budget;
      // the retry plugin would otherwise repeat it on its own schedule after they gave up.
      retry: { retries: options.retries ?? 3, retryAfterBaseValue: options.retryBaseMs ?? 1000, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      throttle: {
        onRateLimit: rateLimitHandler('primary', limits, options.log),
        onSecondaryRateLimit: rateLimitHandler('secondary', limits, options.log),
        retryAfterBaseValue: options.rateLimitSecondMs ?? 1000,
      },
    },
    throttling,
    retry,
  );
}

/**
 * Reads pages from an Octokit page iterator (`api.paginate.iterator(...)`)
 * until the last page or `maxPages`, whichever comes first: a list longer
 * than that is pathological (or, for a PR's files, cut by GitHub anyway).
 */
export async function collectPages<T>(pages: AsyncIterable<{ data: T[] }>, maxPages: number): Promise<T[]> {
  const all: T[] = [];
  let read = 0;
  for await (const { data } of pages) {
    all.push(...data);
    if (++read >= maxPages) break;
  }
  return all;
}
