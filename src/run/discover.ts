import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ToolError } from '../errors.js';

/**
 * Expands command-line paths into ONNX model files: files are taken as given
 * (whatever their extension, so a mistyped name is reported, not skipped), folders
 * are searched recursively for `*.onnx`. Folders that never hold a repository's own
 * models (dependencies, VCS data, hidden folders) are skipped, and symbolic links are
 * not followed, so a link cannot pull files from outside the tree into the run.
 */

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

export async function discoverModels(paths: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await lstat(absolute).catch((err: unknown) => {
      throw new ToolError('FILE_NOT_FOUND', 'no such file or folder', { file: path, cause: err });
    });
    if (info.isDirectory()) {
      const inFolder = await onnxFilesUnder(absolute);
      if (inFolder.length === 0) throw new ToolError('FILE_NOT_FOUND', 'the folder holds no .onnx files', { file: path });
      found.push(...inFolder);
    } else {
      // A file, or a link the loader will refuse with a clear message of its own.
      found.push(absolute);
    }
  }
  return [...new Set(found)];
}

async function onnxFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) files.push(...(await onnxFilesUnder(path)));
    } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.onnx')) {
      files.push(path);
    }
  }
  return files;
}
