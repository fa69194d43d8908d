import { describe, expect, test } from 'vitest';
import { parseNameStatusZ } from '../../src/github/git.js';

describe('parseNameStatusZ', () => {
  test('takes the new path of renames and copies and keeps names with newlines intact', () => {
    const out = ['A', 'new.onnx', 'R087', 'old.onnx', 'moved/x.onnx', 'D', 'gone.onnx', 'C100', 'a.onnx', 'b.onnx', 'M', 'odd\nname.onnx', ''].join('\0');
    expect(parseNameStatusZ(out)).toEqual([
      { status: 'A', path: 'new.onnx' },
      { status: 'R', path: 'moved/x.onnx' },
      { status: 'D', path: 'gone.onnx' },
      { status: 'C', path: 'b.onnx' },
      { status: 'M', path: 'odd\nname.onnx' },
    ]);
  });

  test('reads empty output as no changes', () => {
    expect(parseNameStatusZ('')).toEqual([]);
  });
});
