import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/**
 * True when the module at `moduleUrl` (its `import.meta.url`) is the script node was
 * started with, also through an npm bin symlink; false when a test imports it. The CLI
 * and the bundled action run their entry code only then. Never in a worker thread: a
 * worker started from the same bundle shares process.argv but is not the process.
 */
export function isProcessEntry(moduleUrl: string): boolean {
  if (!isMainThread) return false;
  const script = process.argv[1];
  if (script === undefined || script === '') return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
