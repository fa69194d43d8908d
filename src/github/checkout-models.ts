import { readdir } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { modelMatcher } from './changed-files.js';

/**
 * Every model in the checkout that matches the `models` globs, for runs that
 * are not about a diff (releases, plans outside a PR). Version-control and
 * dependency folders are skipped; symlinks are not followed.
 */

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

export async function findModelsInCheckout(cwd: string, patterns: readonly string[]): Promise<string[]> {
  const matches = modelMatcher(patterns);
  const entries = await readdir(cwd, { withFileTypes: true, recursive: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = relative(cwd, `${entry.parentPath}${sep}${entry.name}`).split(sep).join('/');
    if (path.split('/').some((part) => SKIPPED_DIRS.has(part))) continue;
    if (matches(path)) found.push(path);
  }
  return found.sort();
}
