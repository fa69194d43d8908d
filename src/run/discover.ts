import { lstat, readdir, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ToolError } from '../errors.js';
import { describeKind, isInsideFolder } from '../safe-file.js';

/**
 * Expands command-line paths into ONNX model files: files are taken as given
 * (whatever their extension, so a mistyped name is reported, not skipped), folders
 * are searched recursively for `*.onnx`. Folders that never hold a repository's own
 * models (dependencies, VCS data, hidden folders) are skipped, and symbolic links are
 * not followed, so a link cannot pull files from outside the tree into the run.
 */

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/** A `*.onnx` entry a folder search left out, and why. */
export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface Discovery {
  models: string[];
  skipped: SkippedEntry[];
}

export async function discoverModels(paths: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  return (await discoverModelFiles(paths, cwd)).models;
}

/** discoverModels, with every `*.onnx` entry of a searched folder that is not a regular file named with its reason. */
export async function discoverModelFiles(paths: readonly string[], cwd: string = process.cwd()): Promise<Discovery> {
  const found: string[] = [];
  const skipped: SkippedEntry[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await lstat(absolute).catch((err: unknown) => {
      throw new ToolError('FILE_NOT_FOUND', 'no such file or folder', { file: path, cause: err });
    });
    if (info.isDirectory()) {
      const skippedHere: SkippedEntry[] = [];
      const inFolder = await onnxFilesUnder(absolute, skippedHere);
      skipped.push(...skippedHere);
      if (inFolder.length === 0) {
        const why = skippedHere.map((s) => `${s.path}: ${s.reason}`).join('; ');
        throw new ToolError('FILE_NOT_FOUND', `the folder holds no .onnx files${why ? ` it can read (skipped ${why})` : ''}`, { file: path });
      }
      found.push(...inFolder);
    } else {
      // A file, or a link the loader will refuse with a clear message of its own.
      found.push(absolute);
    }
  }
  return { models: [...new Set(found)], skipped };
}

async function onnxFilesUnder(dir: string, skipped: SkippedEntry[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (isModelName(entry.name)) skipped.push({ path, reason: 'is a directory, not a model file (searched as a folder)' });
      if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) files.push(...(await onnxFilesUnder(path, skipped)));
    } else if (isModelName(entry.name)) {
      if (entry.isFile()) files.push(path);
      else skipped.push({ path, reason: await whyNotRead(path) });
    }
  }
  return files;
}

function isModelName(name: string): boolean {
  return name.toLowerCase().endsWith('.onnx');
}

/** Why a `*.onnx` entry that is not a regular file is left out of a folder search. */
async function whyNotRead(path: string): Promise<string> {
  const info = await lstat(path);
  if (!info.isSymbolicLink()) return `is ${describeKind(info)}, not a regular file`;
  const [real, folder] = await Promise.all([realpath(path).catch(() => undefined), realpath(dirname(path))]);
  if (real === undefined) return 'is a symbolic link to nothing';
  if (!isInsideFolder(folder, real)) return 'is a symbolic link that leads outside its folder; not read';
  return 'is a symbolic link, which a folder search does not follow (name the file itself to read it)';
}
