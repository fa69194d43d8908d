import protobuf from 'protobufjs/minimal.js';
import { ModelInputError } from '../errors.js';

/**
 * Decoding work a file may cause, in units of roughly 8 bytes of heap. Each field
 * read costs 1, each length-delimited field (message, string, bytes, packed array)
 * 8, each 64-bit integer 16 (protobufjs makes a Long object of it), each element of
 * a packed 32-bit field 1 (2 for doubles). Packed 64-bit fields are charged for their
 * whole byte length before any element is read, so 50 MB of packed int64 is refused
 * without allocating a single Long. OnnxLimits.maxDecodeWork sets the budget.
 */

const FIELD_COST = 1;
const LENGTH_DELIMITED_COST = 8;
const INT64_COST = 16;

/**
 * A protobufjs BufferReader that charges every value it creates against a budget and
 * throws a LIMIT_EXCEEDED error once it is spent. Packed repeated fields cost about one
 * byte on the wire but one heap object each after decoding, so the file-size cap alone
 * does not bound memory.
 */
class BudgetReader extends protobuf.BufferReader {
  private spent = 0;
  private inPacked = false;

  constructor(
    buffer: Buffer,
    private readonly budget: number,
    private readonly file: string,
    private readonly what: string,
  ) {
    super(buffer);
  }

  private charge(units: number): void {
    this.spent += units;
    if (this.spent > this.budget) {
      throw new ModelInputError(
        'LIMIT_EXCEEDED',
        `the ${this.what} declares more fields and repeated values than the decoder allows (limit ${this.budget} units of decoding work)`,
        { file: this.file },
      );
    }
  }

  /** Byte length of the packed field at the current position, without consuming it. */
  private peekLength(): number {
    const start = this.pos;
    const length = super.size();
    this.pos = start;
    return length;
  }

  private packed<T>(unitsPerByte: number, read: () => T): T {
    this.charge(this.peekLength() * unitsPerByte);
    this.inPacked = true;
    try {
      return read();
    } finally {
      this.inPacked = false;
    }
  }

  private scalar64<T>(read: () => T): T {
    if (!this.inPacked) this.charge(INT64_COST);
    return read();
  }

  override tag(): number {
    this.charge(FIELD_COST);
    return super.tag();
  }
  override size(): number {
    this.charge(LENGTH_DELIMITED_COST);
    return super.size();
  }
  override int64(): protobuf.Long { return this.scalar64(() => super.int64()); }
  override uint64(): protobuf.Long { return this.scalar64(() => super.uint64()); }
  override sint64(): protobuf.Long { return this.scalar64(() => super.sint64()); }
  override fixed64(): protobuf.Long { return this.scalar64(() => super.fixed64()); }
  override sfixed64(): protobuf.Long { return this.scalar64(() => super.sfixed64()); }
  override int64s(a?: (protobuf.Long | number)[]): (protobuf.Long | number)[] { return this.packed(INT64_COST, () => super.int64s(a)); }
  override uint64s(a?: (protobuf.Long | number)[]): (protobuf.Long | number)[] { return this.packed(INT64_COST, () => super.uint64s(a)); }
  override sint64s(a?: (protobuf.Long | number)[]): (protobuf.Long | number)[] { return this.packed(INT64_COST, () => super.sint64s(a)); }
  override fixed64s(a?: (protobuf.Long | number)[]): (protobuf.Long | number)[] { return this.packed(INT64_COST / 8, () => super.fixed64s(a)); }
  override sfixed64s(a?: (protobuf.Long | number)[]): (protobuf.Long | number)[] { return this.packed(INT64_COST / 8, () => super.sfixed64s(a)); }
  override int32s(a?: number[]): number[] { return this.packed(1, () => super.int32s(a)); }
  override uint32s(a?: number[]): number[] { return this.packed(1, () => super.uint32s(a)); }
  override sint32s(a?: number[]): number[] { return this.packed(1, () => super.sint32s(a)); }
  override bools(a?: boolean[]): boolean[] { return this.packed(1, () => super.bools(a)); }
  override floats(a?: number[]): number[] { return this.packed(1 / 4, () => super.floats(a)); }
  override fixed32s(a?: number[]): number[] { return this.packed(1 / 4, () => super.fixed32s(a)); }
  override sfixed32s(a?: number[]): number[] { return this.packed(1 / 4, () => super.sfixed32s(a)); }
  override doubles(a?: number[]): number[] { return this.packed(1 / 4, () => super.doubles(a)); }
}

/**
 * Runs a protobufjs decoder over untrusted bytes and turns every way it can
 * fail into a ModelInputError that names the file: reads past the end are a
 * truncated file, nesting beyond protobufjs' recursion limit (or a stack
 * overflow) is a limit, more decoding work than `budget` is a limit, anything
 * else is a malformed file.
 */
export function decodeProtoSafely<T>(
  decode: (reader: protobuf.Reader) => T,
  bytes: Buffer,
  file: string,
  what: string,
  budget: number,
): T {
  try {
    return decode(new BudgetReader(bytes, budget, file, what));
  } catch (err) {
    throw protoDecodeError(err, file, what);
  }
}

export function protoDecodeError(err: unknown, file: string, what: string): ModelInputError {
  if (err instanceof ModelInputError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/index out of range/i.test(message)) {
    return new ModelInputError('TRUNCATED', `the ${what} ends in the middle of a field: the file is truncated or is not an ONNX ${what}`, {
      file,
      cause: err,
    });
  }
  if (isDepthError(err)) {
    return new ModelInputError('LIMIT_EXCEEDED', `the ${what} nests messages deeper than the decoder allows`, { file, cause: err });
  }
  return new ModelInputError('MALFORMED', `not a valid ONNX ${what} (${message})`, { file, cause: err });
}

/** True for protobufjs' recursion guard and for V8's own stack overflow. */
export function isDepthError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /max depth exceeded|maximum call stack size exceeded/i.test(err.message);
}

/** A Buffer over the same memory, so protobufjs slices bytes fields as views instead of copies. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
