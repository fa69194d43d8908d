import { describe, expect, it } from 'vitest';
import { describeFailure, failureJson } from '../../src/cli/failure.js';
import { ConversionError, ModelInputError, ToolError } from '../../src/errors.js';

describe('describeFailure', () => {
  it('maps unreadable input to exit 2 and keeps the stable code', () => {
    const f = describeFailure(new ModelInputError('LFS_POINTER', 'Git LFS pointer', { file: 'm.onnx' }));
    expect(f).toMatchObject({ exitCode: 2, code: 'LFS_POINTER', message: 'm.onnx: Git LFS pointer', internal: false });
  });

  it('maps unsupported ops to exit 1 and carries every node', () => {
    const nodes = [
      { op: 'Foo', node: 'foo_1', reason: 'no converter' },
      { op: 'Bar', node: 'bar_7', reason: 'no converter' },
    ];
    const f = describeFailure(new ConversionError('cannot convert', nodes));
    expect(f).toMatchObject({ exitCode: 1, code: 'UNSUPPORTED_OP', unsupported: nodes });
  });

  it('maps usage errors to exit 2', () => {
    expect(describeFailure(new ToolError('USAGE', 'bad flag')).exitCode).toBe(2);
  });

  it('treats a missing or unwritable path from the file system as a user error naming the path', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: 'x.onnx' });
    expect(describeFailure(enoent)).toMatchObject({ exitCode: 2, code: 'FILE_NOT_FOUND', message: 'x.onnx: no such file or directory' });
    const eacces = Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/ro/out.mlpackage' });
    expect(describeFailure(eacces)).toMatchObject({ exitCode: 2, message: '/ro/out.mlpackage: permission denied' });
  });

  it('reports anything else as an internal error with exit 1', () => {
    expect(describeFailure(new TypeError('x is undefined'))).toMatchObject({ exitCode: 1, code: 'INTERNAL', internal: true });
    expect(describeFailure('thrown string')).toMatchObject({ code: 'INTERNAL', message: 'internal error: thrown string' });
  });
});

describe('failureJson', () => {
  it('has an error object and lists unsupported nodes only when there are some', () => {
    const plain = failureJson(describeFailure(new ToolError('MALFORMED', 'not an ONNX protobuf')), { model: 'm.onnx' });
    expect(plain).toEqual({ model: 'm.onnx', error: { code: 'MALFORMED', message: 'not an ONNX protobuf' } });
    const withNodes = failureJson(describeFailure(new ConversionError('no', [{ op: 'Foo', node: 'n', reason: 'r' }])));
    expect(withNodes['unsupported']).toEqual([{ op: 'Foo', node: 'n', reason: 'r' }]);
  });
});
