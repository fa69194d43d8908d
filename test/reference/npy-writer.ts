/** Writes .npy bytes for tests, independently of the reader under test. */
export function npyBytes(options: {
  descr: string;
  shape: number[];
  data: Uint8Array;
  fortranOrder?: boolean;
  version?: 1 | 2;
}): Uint8Array {
  const shapeText = options.shape.length === 1 ? `(${options.shape[0]},)` : `(${options.shape.join(', ')})`;
  const dict = `{'descr': '${options.descr}', 'fortran_order': ${options.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const version = options.version ?? 1;
  const prefixLength = version === 1 ? 10 : 12;
  // numpy pads the header with spaces so the data starts on a 64-byte boundary, ending in '\n'.
  const total = Math.ceil((prefixLength + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - prefixLength - 1, ' ') + '\n';
  const out = new Uint8Array(total + options.data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefixLength);
  out.set(options.data, total);
  return out;
}

/** The bytes of a typed array in the requested byte order. */
export function bytesOf(array: ArrayBufferView, itemSize: number, bigEndian = false): Uint8Array {
  const bytes = new Uint8Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));
  if (bigEndian) for (let i = 0; i < bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
  return bytes;
}
