import { open } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * actions/checkout leaves Git LFS files as pointers unless `lfs: true` is set.
 * A pointer is a small text file (git-lfs only considers blobs under 1,024
 * bytes) starting with the spec URL; reporting it as such, with the fix,
 * beats a protobuf parse error.
 */

const POINTER_LIMIT = 1024;
const POINTER_PREFIXES = ['version https://git-lfs.github.com/spec/v1', 'version https://hawser.github.com/spec/v1'];

export interface LfsPointer {
  path: string;
  /** The size of the real file, from the pointer's `size` line. */
  expectedBytes: number | undefined;
}

export function parseLfsPointer(text: string): { expectedBytes: number | undefined } | undefined {
  if (!POINTER_PREFIXES.some((p) => text.startsWith(p))) return undefined;
  if (!/^oid sha256:[0-9a-f]{64}$/m.test(text)) return undefined;
  const size = /^size (\d+)$/m.exec(text);
  return { expectedBytes: size ? Number(size[1]) : undefined };
}

async function readHead(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size >= POINTER_LIMIT) return undefined;
    const buffer = Buffer.alloc(stat.size);
    await handle.read(buffer, 0, stat.size, 0);
    return buffer.toString('utf8');
  } catch {
    return undefined; // unreadable files are the loader's to report
  } finally {
    await handle?.close();
  }
}

export async function findLfsPointers(paths: readonly string[], cwd: string): Promise<LfsPointer[]> {
  const found: LfsPointer[] = [];
  for (const path of paths) {
    const text = await readHead(join(cwd, path));
    const pointer = text === undefined ? undefined : parseLfsPointer(text);
    if (pointer) found.push({ path, ...pointer });
  }
  return found;
}

export function lfsPointerMessage(pointer: LfsPointer): string {
  const size = pointer.expectedBytes !== undefined ? ` (the model is ${pointer.expectedBytes} bytes)` : '';
  return `this file is a Git LFS pointer, not the model${size}; set \`lfs: true\` on actions/checkout so the real file is checked out`;
}
