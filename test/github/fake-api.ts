import { getOctokit } from '@actions/github';
import type { GitHubApi } from '../../src/github/octokit.js';

/**
 * An in-process GitHub client: the real Octokit of @actions/github (typed
 * `rest` methods, `paginate`), with its request hook answering every call from
 * a handler instead of the network. The handler sees the route template
 * (`GET /repos/{owner}/{repo}/pulls/{pull_number}/files`) and the parameters;
 * every call is recorded. A handler that answers a list with `page(...)`
 * gets a `link: rel="next"` header whenever the page is full, as GitHub does,
 * so Octokit's paginate walks the pages.
 */

export type RequestParams = Record<string, unknown>;

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

const BASE_URL = 'https://api.github.test';

/** Page parameters of a follow-up page, whose URL Octokit takes from the link header as it is. */
function withQuery(url: string, params: RequestParams): RequestParams {
  if (!url.startsWith('http')) return params;
  const query = Object.fromEntries(new URL(url).searchParams);
  return { ...params, ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v])) };
}

function nextPageLink(route: string, params: RequestParams, data: unknown): Record<string, string> {
  const perPage = Number(params.per_page ?? 30);
  const items = Array.isArray(data) ? data : undefined;
  if (!items || items.length < perPage) return {};
  const path = route.replace(/^\S+ /, '').replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]));
  const url = path.startsWith('http') ? new URL(path) : new URL(path, BASE_URL);
  url.searchParams.set('per_page', String(perPage));
  url.searchParams.set('page', String(Number(params.page ?? 1) + 1));
  return { link: `<${url.href}>; rel="next"` };
}

export function fakeApi(handler: (route: string, params: RequestParams) => unknown): GitHubApi & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const api = getOctokit('ghs_fakeApiToken', { baseUrl: BASE_URL });
  api.hook.wrap('request', async (_request, options) => {
    const url = String(options.url);
    const route = `${options.method} ${url.split('?')[0]}`;
    const params = withQuery(url, options as RequestParams);
    calls.push({ route, params });
    const data = await handler(route, params);
    return { status: 200, url, headers: nextPageLink(route, params, data), data };
  });
  return Object.assign(api, { calls });
}

/** Slices a list the way a page-numbered GitHub endpoint does. */
export function page<T>(items: T[], params: RequestParams): T[] {
  const perPage = Number(params.per_page ?? 30);
  const n = Number(params.page ?? 1);
  return items.slice((n - 1) * perPage, n * perPage);
}
