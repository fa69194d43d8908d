import type Long from 'long';
import { ModelInputError } from '../errors.js';

/**
 * Conversions of protobufjs scalar values. protobufjs returns 64-bit integers
 * as Long objects (or plain numbers when they fit and long.js is absent);
 * everything here goes through BigInt so nothing is rounded silently.
 */
export type ProtoInt64 = number | Long;

export function int64ToBigInt(value: ProtoInt64): bigint {
  if (typeof value === 'number') return BigInt(value);
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0));
}

export function uint64ToBigInt(value: ProtoInt64): bigint {
  if (typeof value === 'number') return BigInt.asUintN(64, BigInt(value));
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** An int64 as a JS number; values beyond ±2^53 are refused, not rounded. */
export function int64ToSafeNumber(value: ProtoInt64, what: string, file: string): number {
  const big = int64ToBigInt(value);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ModelInputError('MALFORMED', `${what} is ${big}, beyond the ±2^53 a number can hold exactly`, { file });
  }
  return Number(big);
}

const utf8 = new TextDecoder('utf-8');

/** UTF-8 bytes (ONNX stores attribute and tensor strings as bytes) to a string. */
export function bytesToString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
