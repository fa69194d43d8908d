import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Bytes of every regular file under `path` (a package is a folder), not following links. */
export async function sizeOnDisk(path: string): Promise<number> {
  const info = await lstat(path);
  if (info.isFile()) return info.size;
  if (!info.isDirectory()) return 0;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOnDisk(join(path, entry));
  return total;
}

/** Longest slug kept; deeply nested model paths would otherwise exceed file-name limits. */
const MAX_SLUG_LENGTH = 100;

/**
 * A folder name for a model's outputs, from its repository path:
 * `models/vision/net.onnx` → `models-vision-net`. Only [A-Za-z0-9._-] survive, so a
 * hostile file name cannot escape the output folder or confuse artifact uploads.
 */
export function modelSlug(repoPath: string): string {
  const slug = repoPath
    .replace(/\.onnx$/i, '')
    .split(/[\\/]+/)
    .filter((part) => part !== '' && part !== '.' && part !== '..')
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.-]+/, '')
    .slice(-MAX_SLUG_LENGTH);
  return slug === '' ? 'model' : slug;
}

/** Slugs made unique in order: a second `a-b` becomes `a-b-2`. */
export function uniqueSlugs(repoPaths: readonly string[]): string[] {
  const used = new Set<string>();
  return repoPaths.map((p) => {
    const base = modelSlug(p);
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
    used.add(slug);
    return slug;
  });
}

/** `path` relative to `root` with forward slashes, as repositories and reports spell paths. */
export function repoRelative(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
