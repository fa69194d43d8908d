import type { ApiResponse, GitHubApi, RequestParams } from '../../src/github/octokit.js';

/** An in-process GitHubApi: routes are answered by a handler; every call is recorded. */
export interface RecordedCall {
  route: string;
  params: RequestParams;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function fakeApi(handler: (route: string, params: RequestParams) => unknown): GitHubApi & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    calls,
    async request(route, params = {}) {
      calls.push({ route, params });
      const data = await handler(route, params);
      return { status: 200, data, headers: {} } satisfies ApiResponse;
    },
  };
}

/** Slices a list the way a page-numbered GitHub endpoint does. */
export function page<T>(items: T[], params: RequestParams): T[] {
  const perPage = Number(params.per_page ?? 30);
  const n = Number(params.page ?? 1);
  return items.slice((n - 1) * perPage, n * perPage);
}
