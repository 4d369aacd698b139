/** Raw protobuf wire writing for mutations the typed encoders refuse to produce. */
import { concatBytes } from '../protocol/bytes.js';

export function varint(value: number | bigint): number[] {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint(BigInt(field) * 8n + BigInt(wireType));
}

export function lengthDelimited(field: number, body: Uint8Array | readonly number[]): number[] {
  return [...tag(field, 2), ...varint(body.length), ...body];
}

export function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  return concatBytes(parts);
}

export interface WireField {
  readonly number: number;
  readonly wireType: number;
  /** Offset of the tag, of the value (after a length prefix for LEN), and the end. */
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
  /** Offset and size of the length prefix (LEN fields only). */
  readonly lengthAt?: number;
  readonly lengthSize?: number;
}

/** Top-level fields of a message, as far as they parse; stops at the first problem. */
export function scanFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  const readVarint = (): number | undefined => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) return undefined;
      const byte = bytes[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
    return undefined;
  };
  while (pos < bytes.length) {
    const start = pos;
    const key = readVarint();
    if (key === undefined) break;
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) {
      while (pos < bytes.length && bytes[pos]! >= 0x80) pos++;
      pos++;
      fields.push({ number, wireType, start, valueStart: start, end: Math.min(pos, bytes.length) });
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
      fields.push({ number, wireType, start, valueStart: start, end: Math.min(pos, bytes.length) });
    } else if (wireType === 2) {
      const lengthAt = pos;
      const length = readVarint();
      if (length === undefined) break;
      const valueStart = pos;
      pos += length;
      fields.push({ number, wireType, start, valueStart, end: Math.min(pos, bytes.length), lengthAt, lengthSize: valueStart - lengthAt });
    } else {
      break;
    }
    if (pos > bytes.length) break;
  }
  return fields;
}
