/**
 * Git LFS pointer files: what a checkout without `lfs: true` leaves in place of
 * a model or its weights (git-lfs docs/spec.md).
 */

/** Pointer files start with the spec URL; pre-release git-lfs wrote the hawser URL. */
const LFS_POINTER_PREFIXES = ['version https://git-lfs.github.com/spec/', 'version https://hawser.github.com/spec/'].map((p) => Buffer.from(p));
/** git-lfs only treats blobs below this size as pointer candidates. */
const LFS_POINTER_MAX_BYTES = 1024;

/** True when the bytes are a Git LFS pointer file instead of the content it stands for. */
export function isLfsPointer(bytes: Uint8Array): boolean {
  return (
    bytes.length < LFS_POINTER_MAX_BYTES &&
    LFS_POINTER_PREFIXES.some((prefix) => bytes.length >= prefix.length && Buffer.compare(prefix, bytes.subarray(0, prefix.length)) === 0)
  );
}

/** The `size N` line of a pointer: the byte count of the real file. */
export function lfsPointerSize(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  return /^size (\d{1,20})$/m.exec(Buffer.from(bytes).toString('latin1'))?.[1];
}
