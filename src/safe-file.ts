import { closeSync, constants, fstatSync, lstatSync, openSync, read, readSync, realpathSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { ModelInputError, type ErrorCode } from './errors.js';

/**
 * The one way the tool opens a file it reads (model, external data, package
 * parts, test data, .npz). Every such file may come from a pull request, whose
 * author controls the directory tree: it may be a FIFO (opening it blocks
 * forever), a device (/dev/zero never ends), a directory, or a symlink to any
 * file on the runner. So the path is checked with lstat/realpath before it is
 * opened, opened without blocking and without following a final symlink, and
 * checked again on the open descriptor (same inode, regular file, size cap).
 */

export interface SafeFileOptions {
  /** What the file is, for messages: "the model", "test data file", "external data "w.bin"". */
  what: string;
  /** Largest size accepted, checked before reading. */
  maxBytes: number;
  /**
   * Folder whose tree the file's real path (after every symlink) must stay in.
   * Default: the folder the path names the file in, so a link may point at a
   * sibling but never out of its own folder.
   */
  within?: string;
  /** Refuse files with more than one hard link (a hard link can reach outside `within`). */
  singleLink?: boolean;
  /** Error code for a file of the wrong kind or place (default MALFORMED); a missing file is FILE_NOT_FOUND. */
  code?: ErrorCode;
  /** File named in errors (default: the path). */
  file?: string;
}

/** An open regular file: read it with readRange/readAll, then close it. */
export interface CheckedFile {
  fd: number;
  size: number;
  /** The path after every symlink. */
  real: string;
}

const KIND_NAMES: readonly [(s: Stats) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isFIFO(), 'a FIFO (named pipe)'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isSocket(), 'a socket'],
];

/** "a directory", "a FIFO (named pipe)", ... for anything that is not a regular file. */
export function describeKind(info: Stats): string {
  return KIND_NAMES.find(([test]) => test(info))?.[1] ?? 'not a regular file';
}

/** True when `child` is `root` or lies below it. */
export function isInsideFolder(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

// O_NOFOLLOW and O_NONBLOCK are POSIX; on Windows they are undefined and the lstat checks stand alone.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Opens `path` for reading after checking that it is a regular file inside its
 * folder and within the size cap; refuses FIFOs, devices, directories and links
 * out of the tree by name, without ever blocking on them.
 */
export function openRegularFile(path: string, options: SafeFileOptions): CheckedFile {
  const file = options.file ?? path;
  const fail = (message: string, code: ErrorCode = options.code ?? 'MALFORMED', cause?: unknown): ModelInputError =>
    new ModelInputError(code, `${options.what} ${message}`, { file, cause });
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (err) {
    throw fail(`does not exist (${reasonOf(err)})`, 'FILE_NOT_FOUND', err);
  }
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    throw fail(link.isSymbolicLink() ? 'is a symlink to nothing' : `cannot be resolved (${reasonOf(err)})`, 'FILE_NOT_FOUND', err);
  }
  const folder = realFolder(options.within ?? dirname(path), fail);
  if (!isInsideFolder(folder, real)) {
    throw fail(link.isSymbolicLink() ? 'is a symlink that leads outside its folder; refusing to read it' : 'lies outside its folder (through a symlinked parent); refusing to read it');
  }
  const target = lstatSync(real);
  if (!target.isFile()) throw fail(`is ${describeKind(target)}, not a regular file`);
  if (options.singleLink && target.nlink > 1) throw fail('is a hard link, which could point outside its folder');
  if (target.size > options.maxBytes) throw fail(`has ${target.size} bytes, above the limit of ${options.maxBytes}`, 'FILE_TOO_LARGE');
  let fd: number;
  try {
    fd = openSync(real, OPEN_FLAGS);
  } catch (err) {
    throw fail(`cannot be opened (${reasonOf(err)})`, options.code ?? 'MALFORMED', err);
  }
  const opened = fstatSync(fd);
  if (!opened.isFile() || opened.ino !== target.ino || opened.dev !== target.dev) {
    closeSync(fd);
    throw fail('changed while it was being opened; refusing to read it');
  }
  if (opened.size > options.maxBytes) {
    closeSync(fd);
    throw fail(`has ${opened.size} bytes, above the limit of ${options.maxBytes}`, 'FILE_TOO_LARGE');
  }
  return { fd, size: opened.size, real };
}

function realFolder(folder: string, fail: (message: string, code?: ErrorCode, cause?: unknown) => ModelInputError): string {
  try {
    return realpathSync(folder);
  } catch (err) {
    throw fail(`is in a folder that cannot be resolved (${reasonOf(err)})`, 'FILE_NOT_FOUND', err);
  }
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

/** A fresh buffer of `length` bytes at offset 0 of its own memory, so every typed array view is aligned. */
function alignedBuffer(length: number): Buffer {
  return Buffer.allocUnsafeSlow(length);
}

/** Reads exactly `length` bytes at `position`; a file that shrank meanwhile is an input error. */
export function readRangeSync(checked: CheckedFile, length: number, position: number, file: string): Buffer {
  const out = alignedBuffer(length);
  let done = 0;
  while (done < length) {
    const n = readSync(checked.fd, out, done, length - done, position + done);
    if (n === 0) throw new ModelInputError('TRUNCATED', 'the file shrank while it was being read', { file });
    done += n;
  }
  return out;
}

/**
 * Reads `length` bytes at `position` of a file opened afresh with the checks of
 * openRegularFile, for readers that come back to a file for one range at a
 * time. A file whose size is no longer `size` has changed since it was first
 * read: its bytes would belong to another file, so that is an input error.
 */
export function readRegularFileRange(path: string, options: SafeFileOptions, size: number, position: number, length: number): Buffer {
  const checked = openRegularFile(path, options);
  const file = options.file ?? path;
  try {
    if (checked.size !== size) {
      throw new ModelInputError(options.code ?? 'MALFORMED', `${options.what} changed on disk while it was being read (${size} bytes, now ${checked.size})`, { file });
    }
    return readRangeSync(checked, length, position, file);
  } finally {
    closeSync(checked.fd);
  }
}

const readAsync = promisify(read);

/** Checks, opens and reads a whole regular file (see openRegularFile), closing it afterwards. */
export async function readRegularFile(path: string, options: SafeFileOptions): Promise<Buffer> {
  const checked = openRegularFile(path, options);
  try {
    const out = alignedBuffer(checked.size);
    let done = 0;
    while (done < checked.size) {
      const { bytesRead } = await readAsync(checked.fd, out, done, checked.size - done, done);
      if (bytesRead === 0) throw new ModelInputError('TRUNCATED', 'the file shrank while it was being read', { file: options.file ?? path });
      done += bytesRead;
    }
    return out;
  } finally {
    closeSync(checked.fd);
  }
}

/** The synchronous readRegularFile, for readers that are synchronous themselves (package weights). */
export function readRegularFileSync(path: string, options: SafeFileOptions): Buffer {
  const checked = openRegularFile(path, options);
  try {
    return readRangeSync(checked, checked.size, 0, options.file ?? path);
  } finally {
    closeSync(checked.fd);
  }
}
