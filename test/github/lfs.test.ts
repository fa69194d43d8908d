import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findLfsPointers, lfsPointerMessage, parseLfsPointer } from '../../src/github/lfs.js';

const OID = 'a'.repeat(64);

describe('Git LFS pointers', () => {
  test('recognises v1 and pre-release hawser pointers and reads the real size', () => {
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 12345\n`)).toEqual({ expectedBytes: 12345 });
    expect(parseLfsPointer(`version https://hawser.github.com/spec/v1\noid sha256:${OID}\nsize 1\n`)).toEqual({ expectedBytes: 1 });
  });

  test('does not take text that merely starts like a pointer for one', () => {
    expect(parseLfsPointer('version https://git-lfs.github.com/spec/v1\nno oid here\n')).toBeUndefined();
    expect(parseLfsPointer('\x08\x07model bytes')).toBeUndefined();
  });

  test('finds pointers among checked-out files and tells how to fix them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lfs-'));
    writeFileSync(join(dir, 'p.onnx'), `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 99\n`);
    writeFileSync(join(dir, 'real.onnx'), Buffer.alloc(2000, 1));
    const found = await findLfsPointers(['p.onnx', 'real.onnx', 'missing.onnx'], dir);
    expect(found).toEqual([{ path: 'p.onnx', expectedBytes: 99 }]);
    expect(lfsPointerMessage(found[0]!)).toContain('`lfs: true` on actions/checkout');
  });
});
