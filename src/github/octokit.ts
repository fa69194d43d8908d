import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { ActionLog } from './log.js';

/**
 * The GitHub REST client: @octokit/core with the retry plugin (5xx and network
 * errors, a bounded number of times) and the throttling plugin (primary and
 * secondary rate limits, retried only while the wait fits the budget), a
 * per-request timeout, and a cap on the total time spent waiting. The rest of
 * the action sees only `GitHubApi`, so tests can hand it a fake.
 */

export interface ApiResponse {
  status: number;
  data: unknown;
  headers: Record<string, string | number | undefined>;
}

export type RequestParams = Record<string, unknown> & {
  /** Per-request options; `retries: 0` turns the retry plugin off for a request that must not repeat blindly. */
  request?: { retries?: number };
};

export interface GitHubApi {
  request(route: string, params?: RequestParams): Promise<ApiResponse>;
}

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

/** fetch with a timeout of its own for every request, combined with any caller signal. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

function rateLimitHandler(kind: string, options: Required<Pick<GitHubApiOptions, 'rateLimitRetries' | 'maxRateLimitWaitSeconds' | 'totalWaitBudgetSeconds'>>, log: ActionLog) {
  let waited = 0;
  return (retryAfter: number, request: { method?: string; url?: string }, _octokit: unknown, retryCount: number): boolean => {
    const what = `${request.method ?? 'GET'} ${request.url ?? ''}`;
    const withinBudget = retryAfter <= options.maxRateLimitWaitSeconds && waited + retryAfter <= options.totalWaitBudgetSeconds;
    if (retryCount >= options.rateLimitRetries || !withinBudget) {
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
  const ThrottledOctokit = Octokit.plugin(throttling, retry);
  const octokit = new ThrottledOctokit({
    auth: options.token || undefined,
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
    },
  });
  return {
    request: async (route, params) => {
      const response = await octokit.request(route, params);
      return { status: response.status, data: response.data as unknown, headers: response.headers as ApiResponse['headers'] };
    },
  };
}

/**
 * Reads every page of a list endpoint by page number (per_page 100), stopping
 * at a short page or at `maxPages`; `items` picks the array out of a page.
 */
export async function paginate<T>(
  api: GitHubApi,
  route: string,
  params: RequestParams,
  items: (data: unknown) => T[],
  maxPages = 100,
): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const response = await api.request(route, { ...params, per_page: 100, page });
    const batch = items(response.data);
    all.push(...batch);
    if (batch.length < 100) break;
  }
  return all;
}

/** Array page picker for endpoints that return a bare JSON array. */
export function arrayOf(data: unknown): Record<string, unknown>[] {
  return Array.isArray(data) ? data.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null) : [];
}
