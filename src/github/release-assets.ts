import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { ActionError } from './errors.js';
import { collectPages, describeRequestError, httpStatus, type GitHubApi } from './octokit.js';

/**
 * Release assets: one zip per model holding its .mlpackage folders, and a
 * SHA256SUMS file over the zips. Zips are byte-for-byte reproducible (fixed
 * timestamps, sorted entries), so a re-run produces the same checksums; a
 * re-run also replaces assets of the same name instead of adding copies.
 */

export interface ReleaseAsset {
  name: string;
  bytes: Uint8Array;
  contentType: string;
}

export interface ReleaseTarget {
  api: GitHubApi;
  owner: string;
  repo: string;
  releaseId: number;
  /** The release's upload_url (an RFC 6570 template ending in {?name,label}). */
  uploadUrl: string;
  log: (message: string) => void;
}

/** Zip entries get this timestamp so the same packages always give the same bytes. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
const UPLOAD_ATTEMPTS = 3;
/** A release holds at most 1,000 assets: ten pages of 100. */
const MAX_ASSET_PAGES = 10;

async function addFolder(zip: Zippable, dir: string, prefix: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  for (const file of files) {
    const name = `${prefix}/${relative(dir, file).split(sep).join('/')}`;
    zip[name] = [new Uint8Array(await readFile(file)), { mtime: FIXED_MTIME }];
  }
}

/** Zips package folders, each under its own folder name. */
export async function zipPackages(packageDirs: readonly string[]): Promise<Uint8Array> {
  const zip: Zippable = {};
  for (const dir of [...packageDirs].sort()) await addFolder(zip, dir, basename(dir));
  return zipSync(zip, { level: 6, mtime: FIXED_MTIME });
}

export function sha256Sums(assets: readonly ReleaseAsset[]): ReleaseAsset {
  const lines = assets.map((a) => `${createHash('sha256').update(a.bytes).digest('hex')}  ${a.name}\n`).join('');
  return { name: 'SHA256SUMS', bytes: new TextEncoder().encode(lines), contentType: 'text/plain' };
}

/** Asset names GitHub keeps as given: letters, digits, dot, dash, underscore. */
export function assetName(base: string): string {
  return base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

interface ExistingAsset {
  id: number;
  name: string;
}

async function listAssets(target: ReleaseTarget): Promise<ExistingAsset[]> {
  const { api } = target;
  const pages = api.paginate.iterator(api.rest.repos.listReleaseAssets, { owner: target.owner, repo: target.repo, release_id: target.releaseId, per_page: 100 });
  return (await collectPages(pages, MAX_ASSET_PAGES)).map((a) => ({ id: a.id, name: a.name }));
}

async function deleteNamed(target: ReleaseTarget, name: string, existing: readonly ExistingAsset[]): Promise<void> {
  for (const asset of existing.filter((a) => a.name === name)) {
    await target.api.rest.repos.deleteReleaseAsset({ owner: target.owner, repo: target.repo, asset_id: asset.id });
    target.log(`replaced release asset ${name}`);
  }
}

async function uploadOnce(target: ReleaseTarget, asset: ReleaseAsset): Promise<void> {
  await target.api.rest.repos.uploadReleaseAsset({
    // The release's own upload URL (its host differs from the API's); Octokit expands the {?name,label} template.
    url: target.uploadUrl,
    owner: target.owner,
    repo: target.repo,
    release_id: target.releaseId,
    name: asset.name,
    // Octokit's endpoint types declare the body a string, but the request layer sends binary bodies as they are.
    data: asset.bytes as unknown as string,
    headers: { 'content-type': asset.contentType, 'content-length': asset.bytes.byteLength },
    request: { retries: 0 },
  });
}

/** Uploads one asset; after an upload whose outcome is unknown (timeout, 5xx) the half-made asset is removed before trying again. */
async function uploadReplacing(target: ReleaseTarget, asset: ReleaseAsset, existing: readonly ExistingAsset[]): Promise<void> {
  await deleteNamed(target, asset.name, existing);
  for (let attempt = 1; ; attempt++) {
    try {
      return await uploadOnce(target, asset);
    } catch (err) {
      const status = httpStatus(err);
      const unknown = status === undefined || status >= 500;
      if (!unknown || attempt >= UPLOAD_ATTEMPTS) throw err;
      target.log(`uploading ${asset.name} failed (${describeRequestError(err)}); retrying`);
      await deleteNamed(target, asset.name, await listAssets(target));
    }
  }
}

export async function publishReleaseAssets(target: ReleaseTarget, assets: readonly ReleaseAsset[]): Promise<string[]> {
  try {
    const existing = await listAssets(target);
    for (const asset of assets) await uploadReplacing(target, asset, existing);
    return assets.map((a) => a.name);
  } catch (err) {
    throw new ActionError('GITHUB_API', `publishing release assets failed: ${describeRequestError(err)}`, { cause: err });
  }
}
