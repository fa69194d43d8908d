import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True when the module at `moduleUrl` (its `import.meta.url`) is the script node was
 * started with, also through an npm bin symlink; false when a test imports it. The CLI
 * and the bundled action run their entry code only then.
 */
export function isProcessEntry(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined || script === '') return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
