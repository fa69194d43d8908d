import { describe, expect, test } from 'vitest';
import { COMMENT_MARKER, resolveCommentAuthor, upsertStickyComment } from '../../src/github/sticky-comment.js';
import { fakeApi, HttpError, page } from './fake-api.js';

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

/** A comment store whose POST can be made to fail after (or before) storing. */
function commentsApi(initial: Comment[], postFailures: { status: number; applied: boolean }[] = []) {
  const comments = [...initial];
  let nextId = 100;
  const api = fakeApi((route, params) => {
    if (route.startsWith('GET /user')) throw new HttpError(403, 'Resource not accessible by integration');
    if (route.startsWith('GET ')) return page(comments, params);
    if (route.startsWith('PATCH ')) {
      const c = comments.find((x) => x.id === params.comment_id)!;
      c.body = params.body as string;
      return c;
    }
    const failure = postFailures.shift();
    if (!failure || failure.applied) comments.push({ id: nextId++, body: params.body as string, user: { login: 'github-actions[bot]' } });
    if (failure) throw new HttpError(failure.status, 'upstream failure');
    return comments[comments.length - 1];
  });
  return { api, comments, target: { api, owner: 'o', repo: 'r', issueNumber: 3, log: () => {} } };
}

describe('resolveCommentAuthor', () => {
  test('falls back to github-actions[bot] when the token cannot read GET /user', async () => {
    const { api } = commentsApi([]);
    expect(await resolveCommentAuthor(api)).toBe('github-actions[bot]');
  });

  test('uses the login of a personal token', async () => {
    expect(await resolveCommentAuthor(fakeApi(() => ({ login: 'release-bot' })))).toBe('release-bot');
  });
});

describe('upsertStickyComment', () => {
  test('creates the comment with the marker on its first line', async () => {
    const { comments, target } = commentsApi([]);
    expect((await upsertStickyComment(target, 'report'))?.action).toBe('created');
    expect(comments[0]!.body).toBe(`${COMMENT_MARKER}\nreport`);
  });

  test('edits its own marked comment and ignores the same marker in a human comment', async () => {
    const { comments, target } = commentsApi([
      { id: 1, body: `${COMMENT_MARKER}\nforged`, user: { login: 'mallory' } },
      { id: 2, body: `${COMMENT_MARKER}\nold`, user: { login: 'github-actions[bot]' } },
    ]);
    const result = await upsertStickyComment(target, 'new');
    expect(result).toMatchObject({ action: 'updated', id: 2 });
    expect(comments.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nforged`, `${COMMENT_MARKER}\nnew`]);
  });

  test('in update-only mode edits an existing comment but creates none', async () => {
    const empty = commentsApi([]);
    expect(await upsertStickyComment(empty.target, 'no models', { updateOnly: true })).toBeUndefined();
    expect(empty.comments).toHaveLength(0);
    const existing = commentsApi([{ id: 2, body: `${COMMENT_MARKER}\nold`, user: { login: 'github-actions[bot]' } }]);
    expect(await upsertStickyComment(existing.target, 'no models', { updateOnly: true })).toMatchObject({ action: 'updated' });
  });

  test('does not write when the body is already the same', async () => {
    const { api, target } = commentsApi([{ id: 2, body: `${COMMENT_MARKER}\nsame`, user: { login: 'github-actions[bot]' } }]);
    expect((await upsertStickyComment(target, 'same'))?.action).toBe('unchanged');
    expect(api.calls.some((c) => c.route.startsWith('PATCH'))).toBe(false);
  });

  test('after a 502 that GitHub applied anyway, finds the new comment instead of posting twice', async () => {
    const { comments, target } = commentsApi([], [{ status: 502, applied: true }]);
    await upsertStickyComment(target, 'report');
    expect(comments).toHaveLength(1);
  });

  test('after a 503 that GitHub did not apply, posts again once', async () => {
    const { api, comments, target } = commentsApi([], [{ status: 503, applied: false }]);
    await upsertStickyComment(target, 'report');
    expect(comments).toHaveLength(1);
    expect(api.calls.filter((c) => c.route.startsWith('POST'))).toHaveLength(2);
  });

  test('turns off the client retry for the POST so only this logic decides about repeating it', async () => {
    const { api, target } = commentsApi([]);
    await upsertStickyComment(target, 'report');
    expect(api.calls.find((c) => c.route.startsWith('POST'))!.params.request).toMatchObject({ retries: 0 });
  });

  test('reports a 403 with the status and the issue number, not retried', async () => {
    const api = fakeApi((route) => {
      if (route.startsWith('POST')) throw new HttpError(403, 'Resource not accessible by integration');
      return [];
    });
    await expect(upsertStickyComment({ api, owner: 'o', repo: 'r', issueNumber: 3, log: () => {} }, 'x', { author: 'github-actions[bot]' })).rejects.toThrow(
      'posting the comment on #3 failed: HTTP 403: Resource not accessible by integration',
    );
    expect(api.calls.filter((c) => c.route.startsWith('POST'))).toHaveLength(1);
  });
});
