/**
 * Strict protobuf binary codec over compiled descriptors, built on protobufjs'
 * Writer and Reader. Decoding rejects what stock decoders let through: field
 * number 0, wrong wire types on known fields, truncated data, invalid UTF-8 and
 * nesting deeper than the limit. Unknown fields are skipped (newer peers).
 */
import protobuf from 'protobufjs/light.js';
import { CapwireError } from '../errors.js';
import { fillDefaults, isZero, type MapValue, type Message, type Value, zeroValue } from './message.js';
import {
  type FieldInfo, type MessageInfo, type ScalarKind, type ValueInfo,
  WIRE_LENGTH, wireTypeOf,
} from './schema.js';

export const DEFAULT_MAX_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const MASK32 = 0xffffffffn;

function malformed(where: string, reason: string): CapwireError {
  return new CapwireError('MALFORMED_MESSAGE', `${where}: ${reason}`);
}

// ---------- encode ----------

/** 64-bit values are bigint when decoded; hosts may hand back plain integers too. */
function longBits(value: bigint | number): { low: number; high: number } {
  const bits = BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
  return { low: Number(bits & MASK32), high: Number((bits >> 32n) & MASK32) };
}

function writeScalar(w: protobuf.Writer, scalar: ScalarKind, v: Value): void {
  switch (scalar) {
    case 'double': w.double(v as number); break;
    case 'float': w.float(v as number); break;
    case 'int32': w.int32(v as number); break;
    case 'uint32': w.uint32(v as number); break;
    case 'sint32': w.sint32(v as number); break;
    case 'fixed32': w.fixed32(v as number); break;
    case 'sfixed32': w.sfixed32(v as number); break;
    case 'int64': w.int64(longBits(v as bigint | number) as never); break;
    case 'uint64': w.uint64(longBits(v as bigint | number) as never); break;
    case 'sint64': w.sint64(longBits(v as bigint | number) as never); break;
    case 'fixed64': w.fixed64(longBits(v as bigint | number) as never); break;
    case 'sfixed64': w.sfixed64(longBits(v as bigint | number) as never); break;
    case 'bool': w.bool(v as boolean); break;
    case 'string': w.string(v as string); break;
    case 'bytes': w.bytes(v as Uint8Array); break;
  }
}

function writeValue(w: protobuf.Writer, info: ValueInfo, number: number, v: Value): void {
  w.uint32((number << 3) | wireTypeOf(info));
  if (info.kind === 'message') {
    w.fork();
    writeFields(w, info.message(), v as Message);
    w.ldelim();
  } else if (info.kind === 'enum') {
    w.int32(v as number);
  } else {
    writeScalar(w, info.scalar, v);
  }
}

function mapKeyValue(scalar: ScalarKind, key: string): Value {
  if (scalar === 'string') return key;
  if (scalar === 'bool') return key === 'true';
  if (scalar.endsWith('64')) return BigInt(key);
  return Number(key);
}

function writeFields(w: protobuf.Writer, info: MessageInfo, message: Message): void {
  for (const field of info.fields) {
    const v = message[field.jsonName];
    if (v === undefined) continue;
    if (field.label === 'repeated') {
      const list = v as Value[];
      if (list.length === 0) continue;
      if (field.value.kind !== 'message' && wireTypeOf(field.value) !== WIRE_LENGTH) {
        // proto3 packs repeated numeric fields.
        w.uint32((field.number << 3) | WIRE_LENGTH).fork();
        for (const item of list) {
          if (field.value.kind === 'enum') w.int32(item as number);
          else writeScalar(w, field.value.scalar, item);
        }
        w.ldelim();
      } else {
        for (const item of list) writeValue(w, field.value, field.number, item);
      }
    } else if (field.label === 'map') {
      const keyScalar = field.mapKey!;
      for (const [key, item] of Object.entries(v as MapValue)) {
        w.uint32((field.number << 3) | WIRE_LENGTH).fork();
        writeValue(w, { kind: 'scalar', scalar: keyScalar }, 1, mapKeyValue(keyScalar, key));
        writeValue(w, field.value, 2, item);
        w.ldelim();
      }
    } else {
      const implicit = field.label === 'single' && field.oneof === undefined && field.value.kind !== 'message';
      if (implicit && isZero(v)) continue;
      writeValue(w, field.value, field.number, v);
    }
  }
}

/** Encodes a message (as produced by the JSON or binary decoder) to bytes. */
export function encodeMessage(info: MessageInfo, message: Message): Uint8Array {
  const w = protobuf.Writer.create();
  writeFields(w, info, message);
  return w.finish();
}

// ---------- decode ----------

function readVarint64(r: protobuf.Reader, where: string): bigint {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (r.pos >= r.len) throw malformed(where, 'truncated varint');
    const byte = r.buf[r.pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return BigInt.asUintN(64, result);
  }
  throw malformed(where, 'varint longer than 10 bytes');
}

function readFixed64(r: protobuf.Reader, where: string): bigint {
  if (r.pos + 8 > r.len) throw malformed(where, 'truncated fixed64');
  let result = 0n;
  for (let i = 7; i >= 0; i--) result = (result << 8n) | BigInt(r.buf[r.pos + i]!);
  r.pos += 8;
  return result;
}

function readScalar(r: protobuf.Reader, scalar: ScalarKind, where: string): Value {
  switch (scalar) {
    case 'double': return r.double();
    case 'float': return r.float();
    case 'int32': return r.int32();
    case 'uint32': return r.uint32();
    case 'sint32': return r.sint32();
    case 'fixed32': return r.fixed32();
    case 'sfixed32': return r.sfixed32();
    case 'int64': return BigInt.asIntN(64, readVarint64(r, where));
    case 'uint64': return readVarint64(r, where);
    case 'sint64': {
      const n = readVarint64(r, where);
      return (n >> 1n) ^ -(n & 1n);
    }
    case 'fixed64': return readFixed64(r, where);
    case 'sfixed64': return BigInt.asIntN(64, readFixed64(r, where));
    case 'bool': return readVarint64(r, where) !== 0n;
    case 'string': {
      try {
        return utf8.decode(readBytes(r, where));
      } catch (error) {
        if (error instanceof TypeError) throw malformed(where, 'string is not valid UTF-8');
        throw error;
      }
    }
    // A view, not a copy: frames are never reused once delivered, and a 1 MiB
    // payload should not be copied once more on its way to the handler.
    case 'bytes': return readBytes(r, where);
  }
}

/** A view of a length-delimited value, bounds-checked before anything is read. */
function readBytes(r: protobuf.Reader, where: string): Uint8Array {
  const end = readLengthEnd(r, where);
  const view = r.buf.subarray(r.pos, end);
  r.pos = end;
  return view;
}

function readLengthEnd(r: protobuf.Reader, where: string): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > r.len) throw malformed(where, `length ${length} runs past the end of the data`);
  return end;
}

function readValue(r: protobuf.Reader, info: ValueInfo, where: string, depth: number, maxDepth: number): Value {
  if (info.kind === 'message') {
    const end = readLengthEnd(r, where);
    return readFields(r, info.message(), end, depth + 1, maxDepth);
  }
  if (info.kind === 'enum') return r.int32();
  return readScalar(r, info.scalar, where);
}

function readMapEntry(r: protobuf.Reader, field: FieldInfo, into: MapValue, where: string, depth: number, maxDepth: number): void {
  const end = readLengthEnd(r, where);
  const keyInfo: ValueInfo = { kind: 'scalar', scalar: field.mapKey! };
  let key: Value | undefined;
  let value: Value | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 1 && wire === wireTypeOf(keyInfo)) key = readScalar(r, field.mapKey!, `${where} key`);
    else if (number === 2 && wire === wireTypeOf(field.value)) value = readValue(r, field.value, `${where} value`, depth, maxDepth);
    else if (number === 1 || number === 2 || number === 0) throw malformed(where, `map entry field ${number} has wire type ${wire}`);
    else r.skipType(wire);
  }
  if (r.pos !== end) throw malformed(where, 'map entry overruns its length');
  if (value === undefined) {
    value = field.value.kind === 'scalar' ? zeroValue(field.value.scalar)
      : field.value.kind === 'enum' ? 0 : fillDefaults(field.value.message(), {});
  }
  into[String(key ?? zeroValue(field.mapKey!))] = value;
}

function readFields(r: protobuf.Reader, info: MessageInfo, end: number, depth: number, maxDepth: number): Message {
  if (depth > maxDepth) throw malformed(info.fullName, `nesting deeper than ${maxDepth}`);
  const message: Message = {};
  while (r.pos < end) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 0) throw malformed(info.fullName, 'field number 0 is invalid');
    const field = info.byNumber.get(number);
    if (field === undefined) {
      if (wire === 6 || wire === 7) throw malformed(info.fullName, `field ${number} has invalid wire type ${wire}`);
      r.skipType(wire);
      continue;
    }
    const where = `${info.fullName}.${field.protoName}`;
    if (field.label === 'map') {
      if (wire !== WIRE_LENGTH) throw malformed(where, `wire type ${wire}, expected ${WIRE_LENGTH}`);
      const map = (message[field.jsonName] ??= {}) as MapValue;
      readMapEntry(r, field, map, where, depth, maxDepth);
      continue;
    }
    const expected = wireTypeOf(field.value);
    if (field.label === 'repeated') {
      const list = (message[field.jsonName] ??= []) as Value[];
      if (wire === WIRE_LENGTH && expected !== WIRE_LENGTH) {
        const packedEnd = readLengthEnd(r, where);
        while (r.pos < packedEnd) list.push(readValue(r, field.value, where, depth, maxDepth));
        if (r.pos !== packedEnd) throw malformed(where, 'packed field overruns its length');
        continue;
      }
      if (wire !== expected) throw malformed(where, `wire type ${wire}, expected ${expected}`);
      list.push(readValue(r, field.value, where, depth, maxDepth));
      continue;
    }
    if (wire !== expected) throw malformed(where, `wire type ${wire}, expected ${expected}`);
    if (field.oneof !== undefined) {
      // The last member of a oneof on the wire wins.
      for (const member of info.oneofs.get(field.oneof) ?? []) delete message[member.jsonName];
    }
    message[field.jsonName] = readValue(r, field.value, where, depth, maxDepth);
  }
  if (r.pos !== end) throw malformed(info.fullName, 'field overruns the end of its message');
  return fillDefaults(info, message);
}

/**
 * Decodes bytes strictly. Throws CapwireError MALFORMED_MESSAGE naming the
 * field and the problem; never anything else.
 */
export function decodeMessage(info: MessageInfo, bytes: Uint8Array, maxDepth = DEFAULT_MAX_DEPTH): Message {
  const r = protobuf.Reader.create(bytes);
  try {
    return readFields(r, info, r.len, 0, maxDepth);
  } catch (error) {
    if (error instanceof CapwireError) throw error;
    // protobufjs' Reader throws RangeError/Error on truncation and bad wire types.
    const reason = error instanceof Error ? error.message : String(error);
    throw malformed(info.fullName, reason.includes('index out of range') ? `truncated data (${reason})` : reason);
  }
}

