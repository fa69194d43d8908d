import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobFileReader, BlobFileWriter } from '../../src/coreml/blob.js';
import { ModelInputError } from '../../src/errors.js';
import { onDemandTensor } from '../../src/tensor/on-demand.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'blob-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeBlobs(tensors: Tensor[]): { bytes: Uint8Array; offsets: number[] } {
  const path = join(dir, 'weight.bin');
  const writer = new BlobFileWriter(path);
  const offsets = tensors.map((t) => writer.appendTensor(t));
  writer.close();
  return { bytes: new Uint8Array(readFileSync(path)), offsets };
}

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
}
function u64(bytes: Uint8Array, at: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true));
}
function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  return bytes.subarray(from, to).every((b) => b === 0);
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelInputError);
    expect((err as ModelInputError).code).toBe('INVALID_PACKAGE');
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an INVALID_PACKAGE error');
}

describe('BlobFileWriter', () => {
  it('lays out two fp16 blobs of 200 and 4 elements exactly as the storage v2 worked example', () => {
    const a = makeTensor('float16', [200], Uint16Array.from({ length: 200 }, (_, i) => 0x3c00 + i));
    const b = makeTensor('float16', [4], Uint16Array.from([1, 2, 3, 4]));
    const { bytes, offsets } = writeBlobs([a, b]);
    expect(offsets).toEqual([64, 576]);
    expect(bytes.byteLength).toBe(648);
    expect([...bytes.subarray(0, 8)]).toEqual([2, 0, 0, 0, 2, 0, 0, 0]);
    expect(allZero(bytes, 8, 64)).toBe(true);
    expect([...bytes.subarray(64, 68)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(u32(bytes, 68)).toBe(1);
    expect(u64(bytes, 72)).toBe(400);
    expect(u64(bytes, 80)).toBe(128);
    expect(allZero(bytes, 88, 128)).toBe(true);
    expect(new Uint16Array(bytes.slice(128, 528).buffer)).toEqual(a.data);
    expect(allZero(bytes, 528, 576)).toBe(true);
    expect(u32(bytes, 576)).toBe(0xdeadbeef);
    expect(u32(bytes, 580)).toBe(1);
    expect(u64(bytes, 584)).toBe(8);
    expect(u64(bytes, 592)).toBe(640);
    expect(allZero(bytes, 600, 640)).toBe(true);
    expect([...bytes.subarray(640, 648)]).toEqual([1, 0, 2, 0, 3, 0, 4, 0]);
  });

  it('writes a header-only file with count 0 when there are no blobs', () => {
    const { bytes } = writeBlobs([]);
    expect(bytes.byteLength).toBe(64);
    expect(u32(bytes, 0)).toBe(0);
    expect(u32(bytes, 4)).toBe(2);
  });

  it('records packed size and padding bits for sub-byte blobs', () => {
    const t = makeTensor('uint3', [11], Uint8Array.from({ length: 11 }, (_, i) => i % 8));
    const { bytes, offsets } = writeBlobs([t]);
    expect(u32(bytes, offsets[0]! + 4)).toBe(12); // UInt3
    expect(u64(bytes, offsets[0]! + 8)).toBe(5); // ceil(33 / 8)
    expect(u64(bytes, offsets[0]! + 24)).toBe(7);
  });

  it('writes a tensor shared by two constants once', () => {
    const t = makeTensor('float32', [16]);
    const { offsets } = writeBlobs([t, t]);
    expect(offsets).toEqual([64, 64]);
  });
});

describe('BlobFileWriter with tensors made on demand', () => {
  it('writes each once, letting go of its data after writing it', () => {
    let loads = 0;
    const tensor = onDemandTensor('float32', [16], () => (loads++, Float32Array.from({ length: 16 }, (_, i) => i / 4)));
    const { bytes, offsets } = writeBlobs([tensor, tensor]);
    expect(offsets[1]).toBe(offsets[0]);
    expect(loads).toBe(1);
    const back = new BlobFileReader(bytes, 'weight.bin').read(offsets[0]!, 'float32', [16]);
    expect(back.data).toEqual(tensor.data);
    expect(loads).toBe(2);
  });
});

describe('BlobFileReader', () => {
  it('reads back every blob dtype with its values', () => {
    const tensors: Tensor[] = [
      makeTensor('float32', [2, 3], Float32Array.from([1.5, -2, 3, 4, 5, 6])),
      makeTensor('float16', [3], Uint16Array.from([0x3c00, 0xc000, 0x7bff])),
      makeTensor('int8', [5], Int8Array.from([-128, -1, 0, 1, 127])),
      makeTensor('uint8', [3], Uint8Array.from([0, 128, 255])),
      makeTensor('int16', [2], Int16Array.from([-30000, 30000])),
      makeTensor('uint16', [2], Uint16Array.from([0, 65535])),
      makeTensor('int32', [2], Int32Array.from([-2147483648, 2147483647])),
      makeTensor('uint32', [1], Uint32Array.from([4294967295])),
      makeTensor('int4', [3], Int8Array.from([-8, 7, -3])),
      makeTensor('uint6', [5], Uint8Array.from([63, 0, 17, 42, 1])),
    ];
    const { bytes, offsets } = writeBlobs(tensors);
    const reader = new BlobFileReader(bytes, 'weight.bin');
    expect(reader.count).toBe(tensors.length);
    expect(reader.entries().map((e) => e.metadataOffset)).toEqual(offsets);
    tensors.forEach((t, i) => {
      const back = reader.read(offsets[i]!, t.dtype, t.shape);
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect([...(back.data as Uint8Array)]).toEqual([...(t.data as Uint8Array)]);
    });
  });

  it('returns views into the file bytes when the data is aligned', () => {
    const { bytes, offsets } = writeBlobs([makeTensor('float32', [4], Float32Array.from([1, 2, 3, 4]))]);
    const back = new BlobFileReader(bytes, 'weight.bin').read(offsets[0]!, 'float32', [4]);
    expect((back.data as Float32Array).buffer).toBe(bytes.buffer);
  });

  it('rejects a storage version other than 2', () => {
    const { bytes } = writeBlobs([]);
    bytes[4] = 1;
    expectInvalid(() => new BlobFileReader(bytes, 'weight.bin'), /storage version 1/);
  });

  it('rejects a file shorter than its header', () => {
    expectInvalid(() => new BlobFileReader(new Uint8Array(10), 'weight.bin'), /shorter than its 64-byte header/);
  });

  it('rejects a metadata record without the 0xDEADBEEF sentinel', () => {
    const { bytes, offsets } = writeBlobs([makeTensor('float32', [12])]);
    bytes[offsets[0]!] = 0;
    expectInvalid(() => new BlobFileReader(bytes, 'weight.bin').read(offsets[0]!, 'float32', [12]), /invalid sentinel/);
  });

  it('rejects offsets outside the file and data that runs past its end', () => {
    const { bytes, offsets } = writeBlobs([makeTensor('float32', [12])]);
    const reader = new BlobFileReader(bytes, 'weight.bin');
    expectInvalid(() => reader.read(4096, 'float32', [12]), /outside the weight file/);
    expectInvalid(() => reader.read(0, 'float32', [12]), /outside the weight file/);
    new DataView(bytes.buffer).setBigUint64(offsets[0]! + 8, 1000n, true);
    expectInvalid(() => reader.read(offsets[0]!, 'float32', [12]), /beyond the weight file/);
  });

  it('rejects a dtype that differs from the one the model asks for', () => {
    const { bytes, offsets } = writeBlobs([makeTensor('float16', [12])]);
    expectInvalid(() => new BlobFileReader(bytes, 'weight.bin').read(offsets[0]!, 'float32', [6]), /holds float16, but the model asks for float32/);
  });

  it('rejects a size that does not match the requested shape', () => {
    const { bytes, offsets } = writeBlobs([makeTensor('float32', [12])]);
    expectInvalid(() => new BlobFileReader(bytes, 'weight.bin').read(offsets[0]!, 'float32', [13]), /needs 52/);
  });

  it('names the file in its errors', () => {
    expect(() => new BlobFileReader(new Uint8Array(0), 'pkg/weights/weight.bin')).toThrow(/^pkg\/weights\/weight\.bin: /);
  });
});
