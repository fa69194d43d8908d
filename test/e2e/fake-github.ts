import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the GitHub REST endpoints the action uses,
 * keeps their state in memory (comments, release assets, artifacts) and
 * injects the faults GitHub produces: rate limits, 5xx, read-only tokens,
 * and writes that succeed on the server while the client never hears back.
 */

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  html_url: string;
}

export interface FakeAsset {
  id: number;
  name: string;
  bytes: Buffer;
  contentType: string;
}

export interface FakeRelease {
  id: number;
  tag: string;
  assets: FakeAsset[];
}

export interface FakeArtifact {
  id: number;
  name: string;
  runId: number;
  zip: Buffer;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  at: number;
}

/** A fault served instead of the normal answer, `times` times, to requests matching method and path. */
export interface Fault {
  method: string;
  path: RegExp;
  times: number;
  /** Answer with this status, headers and JSON body. */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Apply the request normally, then never answer (the client times out) ... */
  applyThenHang?: boolean;
  /** ... or apply it, then drop the connection. */
  applyThenDrop?: boolean;
}

export interface FakeGitHubState {
  owner: string;
  repo: string;
  /** Files per PR number as the files API lists them. */
  pullFiles: Map<number, { filename: string; status: string; previous_filename?: string }[]>;
  comments: Map<number, FakeComment[]>;
  /** Login GET /user answers with; undefined answers 403 as for an installation token. */
  userLogin: string | undefined;
  /** When true, every write answers 403 "Resource not accessible by integration" (fork PR token). */
  readOnly: boolean;
  releases: FakeRelease[];
  artifacts: FakeArtifact[];
  /** Open PRs by head commit, for GET /commits/{sha}/pulls. */
  pullsByCommit: Map<string, number[]>;
  /** Open PRs listed by GET /pulls but not associated with their head commit (as for some forks). */
  openPulls: { number: number; headSha: string }[];
  faults: Fault[];
  requests: LoggedRequest[];
}

const FILES_API_CAP = 3000;
const BOT = { login: 'github-actions[bot]', type: 'Bot' };

export class FakeGitHub {
  readonly state: FakeGitHubState;
  private server: Server | undefined;
  private nextId = 1000;
  url = '';

  constructor(owner = 'octo', repo = 'models') {
    this.state = { owner, repo, pullFiles: new Map(), comments: new Map(), userLogin: undefined, readOnly: false, releases: [], artifacts: [], pullsByCommit: new Map(), openPulls: [], faults: [], requests: [] };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  id(): number {
    return this.nextId++;
  }

  addComment(issue: number, body: string, user = BOT): FakeComment {
    const comment = { id: this.id(), body, user, html_url: `https://github.test/${this.state.owner}/${this.state.repo}/pull/${issue}#issuecomment` };
    const list = this.state.comments.get(issue) ?? [];
    list.push(comment);
    this.state.comments.set(issue, list);
    return comment;
  }

  addRelease(tag: string): FakeRelease {
    const release = { id: this.id(), tag, assets: [] };
    this.state.releases.push(release);
    return release;
  }

  uploadUrl(release: FakeRelease): string {
    return `${this.url}/uploads/repos/${this.state.owner}/${this.state.repo}/releases/${release.id}/assets{?name,label}`;
  }

  fault(fault: Fault): void {
    this.state.faults.push(fault);
  }

  requestsTo(method: string, path: RegExp): LoggedRequest[] {
    return this.state.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    this.state.requests.push({ method, path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, at: Date.now() });
    const fault = this.state.faults.find((f) => f.times > 0 && f.method === method && f.path.test(url.pathname));
    if (fault) fault.times--;
    if (fault && fault.status !== undefined) return send(res, fault.status, fault.body ?? {}, fault.headers);
    const answer = this.route(method, url, body, req.headers['content-type']);
    if (fault?.applyThenHang) return; // the state changed; the client never hears about it
    if (fault?.applyThenDrop) return void req.socket.destroy();
    if (answer.raw) {
      res.writeHead(answer.status, { 'content-type': 'application/zip', 'content-length': answer.raw.length });
      return void res.end(answer.raw);
    }
    send(res, answer.status, answer.json ?? {}, answer.headers);
  }

  /** The endpoints, as a table of method, path pattern and handler. */
  private routes(): Route[] {
    const repo = `/repos/${this.state.owner}/${this.state.repo}`;
    return [...this.pullRoutes(repo), ...this.releaseRoutes(repo), ...this.artifactRoutes(repo)];
  }

  private pullRoutes(repo: string): Route[] {
    const bodyOf = (r: RouteRequest) => JSON.parse(r.body.toString('utf8')) as { body: string };
    return [
      ['GET', /^\/user$/, () => (this.state.userLogin ? { status: 200, json: { login: this.state.userLogin } } : FORBIDDEN)],
      ['GET', new RegExp(`^${repo}/pulls/(\\d+)/files$`), (r) => ({ status: 200, json: r.paged((this.state.pullFiles.get(Number(r.match[1])) ?? []).slice(0, FILES_API_CAP)) })],
      ['GET', new RegExp(`^${repo}/issues/(\\d+)/comments$`), (r) => ({ status: 200, json: r.paged(this.state.comments.get(Number(r.match[1])) ?? []) })],
      [
        'POST',
        new RegExp(`^${repo}/issues/(\\d+)/comments$`),
        (r) => {
          if (this.state.readOnly) return FORBIDDEN;
          const text = bodyOf(r).body;
          if (text.length > 65536) return { status: 422, json: { message: 'Validation Failed', errors: [{ message: 'Body is too long (maximum is 65536 characters)' }] } };
          return { status: 201, json: this.addComment(Number(r.match[1]), text) };
        },
      ],
      [
        'PATCH',
        new RegExp(`^${repo}/issues/comments/(\\d+)$`),
        (r) => {
          if (this.state.readOnly) return FORBIDDEN;
          const comment = [...this.state.comments.values()].flat().find((c) => c.id === Number(r.match[1]));
          if (!comment) return NOT_FOUND;
          comment.body = bodyOf(r).body;
          return { status: 200, json: comment };
        },
      ],
      ['GET', new RegExp(`^${repo}/pulls$`), (r) => ({ status: 200, json: r.paged(this.state.openPulls.map((p) => ({ number: p.number, state: 'open', head: { sha: p.headSha } }))) })],
      ['GET', new RegExp(`^${repo}/commits/([0-9a-f]+)/pulls$`), (r) => ({ status: 200, json: (this.state.pullsByCommit.get(r.match[1]!) ?? []).map((n) => ({ number: n, state: 'open', head: { sha: r.match[1] } })) })],
    ];
  }

  private releaseRoutes(repo: string): Route[] {
    return [
      [
        'GET',
        new RegExp(`^${repo}/releases/tags/(.+)$`),
        (r) => {
          const release = this.state.releases.find((x) => x.tag === decodeURIComponent(r.match[1]!));
          return release ? { status: 200, json: { id: release.id, tag_name: release.tag, upload_url: this.uploadUrl(release) } } : NOT_FOUND;
        },
      ],
      ['GET', new RegExp(`^${repo}/releases/(\\d+)/assets$`), (r) => ({ status: 200, json: r.paged((this.release(r.match[1])?.assets ?? []).map((a) => ({ id: a.id, name: a.name, size: a.bytes.length }))) })],
      [
        'DELETE',
        new RegExp(`^${repo}/releases/assets/(\\d+)$`),
        (r) => {
          for (const release of this.state.releases) release.assets = release.assets.filter((a) => a.id !== Number(r.match[1]));
          return { status: 204 };
        },
      ],
      ['POST', new RegExp(`^/uploads${repo}/releases/(\\d+)/assets$`), (r) => this.uploadAsset(r)],
    ];
  }

  private artifactRoutes(repo: string): Route[] {
    return [
      [
        'GET',
        new RegExp(`^${repo}/actions/runs/(\\d+)/artifacts$`),
        (r) => {
          const list = this.state.artifacts.filter((a) => a.runId === Number(r.match[1]));
          return { status: 200, json: { total_count: list.length, artifacts: r.paged(list.map((a) => ({ id: a.id, name: a.name, size_in_bytes: a.zip.length, expired: false }))) } };
        },
      ],
      // GitHub answers an artifact download with a redirect to blob storage; so does this server.
      ['GET', new RegExp(`^${repo}/actions/artifacts/(\\d+)/zip$`), (r) => ({ status: 302, headers: { location: `${this.url}/blob/artifact/${r.match[1]}` } })],
      [
        'GET',
        /^\/blob\/artifact\/(\d+)$/,
        (r) => {
          const artifact = this.state.artifacts.find((a) => a.id === Number(r.match[1]));
          return artifact ? { status: 200, raw: artifact.zip } : NOT_FOUND;
        },
      ],
    ];
  }

  private release(id: string | undefined): FakeRelease | undefined {
    return this.state.releases.find((r) => r.id === Number(id));
  }

  private uploadAsset(r: RouteRequest): Answer {
    const release = this.release(r.match[1]);
    const name = r.url.searchParams.get('name') ?? '';
    if (!release) return { status: 404, json: { message: 'Not Found' } };
    if (release.assets.some((a) => a.name === name)) return { status: 422, json: { message: 'Validation Failed', errors: [{ code: 'already_exists', field: 'name' }] } };
    const asset = { id: this.id(), name, bytes: r.body, contentType: r.contentType ?? '' };
    release.assets.push(asset);
    return { status: 201, json: { id: asset.id, name, size: r.body.length } };
  }

  private route(method: string, url: URL, body: Buffer, contentType: string | undefined): Answer {
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? '30'));
    let next: string | undefined;
    // A full page that is not the last one links to the next, as GitHub's Link header does; Octokit's paginate follows it.
    const paged = <T>(items: T[]): T[] => {
      if (page * perPage < items.length) {
        const nextUrl = new URL(`${this.url}${url.pathname}${url.search}`);
        nextUrl.searchParams.set('page', String(page + 1));
        nextUrl.searchParams.set('per_page', String(perPage));
        next = nextUrl.href;
      }
      return items.slice((page - 1) * perPage, page * perPage);
    };
    for (const [m, pattern, handler] of this.routes()) {
      const match = m === method ? pattern.exec(url.pathname) : null;
      if (!match) continue;
      const answer = handler({ match, url, body, contentType, paged });
      return next ? { ...answer, headers: { ...answer.headers, link: `<${next}>; rel="next"` } } : answer;
    }
    return { status: 404, json: { message: `Not Found: ${method} ${url.pathname}` } };
  }
}

const FORBIDDEN: Answer = { status: 403, json: { message: 'Resource not accessible by integration' }, headers: { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' } };
const NOT_FOUND: Answer = { status: 404, json: { message: 'Not Found' } };

interface Answer {
  status: number;
  json?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

interface RouteRequest {
  match: RegExpExecArray;
  url: URL;
  body: Buffer;
  contentType: string | undefined;
  paged: <T>(items: T[]) => T[];
}

type Route = [method: string, path: RegExp, handler: (request: RouteRequest) => Answer];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || status === 302) {
    res.writeHead(status, headers);
    return void res.end();
  }
  const text = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
