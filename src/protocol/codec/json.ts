/**
 * Strict proto3 JSON <-> message conversion over compiled descriptors.
 * Parsing never coerces: a value of the wrong JSON type, an unknown field,
 * an out-of-range number or two members of one oneof is INVALID_ARGUMENT,
 * with the JSON path of the offending value in the message.
 */
import { decodeBase64, encodeBase64 } from '../base64.js';
import { CapwireError } from '../errors.js';
import { fillDefaults, type MapValue, type Message, type Value } from './message.js';
import type { EnumInfo, FieldInfo, MessageInfo, ScalarKind, ValueInfo } from './schema.js';
import { DEFAULT_MAX_DEPTH } from './binary.js';

const INT_TEXT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

const RANGES: Partial<Record<ScalarKind, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function invalid(path: string, reason: string): CapwireError {
  return new CapwireError('INVALID_ARGUMENT', `${path || '(root)'}: ${reason}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseInteger(scalar: ScalarKind, value: unknown, path: string): number | bigint {
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw invalid(path, `expected an integer (${scalar}), got ${describe(value)}`);
    if (!Number.isSafeInteger(value) && scalar.endsWith('64')) throw invalid(path, `${scalar} above 2^53 must be written as a string`);
    big = BigInt(value);
  } else if (typeof value === 'string' && INT_TEXT.test(value)) {
    big = BigInt(value);
  } else {
    throw invalid(path, `expected an integer (${scalar}), got ${describe(value)}`);
  }
  const [min, max] = RANGES[scalar]!;
  if (big < min || big > max) throw invalid(path, `${big} is out of range for ${scalar}`);
  return scalar.endsWith('64') ? big : Number(big);
}

function parseFloating(scalar: ScalarKind, value: unknown, path: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (value === 'NaN') n = Number.NaN;
  else if (value === 'Infinity') n = Number.POSITIVE_INFINITY;
  else if (value === '-Infinity') n = Number.NEGATIVE_INFINITY;
  else if (typeof value === 'string' && FLOAT_TEXT.test(value)) n = Number(value);
  else throw invalid(path, `expected a number (${scalar}), got ${describe(value)}`);
  if (scalar === 'float' && Number.isFinite(n) && Math.abs(n) > FLOAT32_MAX) throw invalid(path, `${n} is out of range for float`);
  return n;
}

function parseScalar(scalar: ScalarKind, value: unknown, path: string): Value {
  switch (scalar) {
    case 'double': case 'float':
      return parseFloating(scalar, value, path);
    case 'bool':
      if (typeof value !== 'boolean') throw invalid(path, `expected true or false, got ${describe(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw invalid(path, `expected a string, got ${describe(value)}`);
      return value;
    case 'bytes': {
      if (typeof value !== 'string') throw invalid(path, `expected base64 bytes, got ${describe(value)}`);
      const bytes = decodeBase64(value);
      if (bytes === undefined) throw invalid(path, 'expected base64 bytes, got text that is not valid base64');
      return bytes;
    }
    default:
      return parseInteger(scalar, value, path);
  }
}

function parseEnum(info: EnumInfo, value: unknown, path: string): number {
  if (typeof value === 'string') {
    const number = info.byName.get(value);
    if (number === undefined) throw invalid(path, `${JSON.stringify(value)} is not a value of ${info.fullName}`);
    return number;
  }
  if (typeof value === 'number' && info.byNumber.has(value)) return value;
  throw invalid(path, `expected a ${info.fullName} name, got ${describe(value)}`);
}

function parseValue(info: ValueInfo, value: unknown, path: string, depth: number): Value {
  if (info.kind === 'message') return parseMessage(info.message(), value, path, depth + 1);
  if (info.kind === 'enum') return parseEnum(info.enumInfo, value, path);
  return parseScalar(info.scalar, value, path);
}

function parseMapKey(scalar: ScalarKind, key: string, path: string): string {
  if (scalar === 'string') return key;
  if (scalar === 'bool') {
    if (key !== 'true' && key !== 'false') throw invalid(path, `map key must be "true" or "false", got ${JSON.stringify(key)}`);
    return key;
  }
  return String(parseInteger(scalar, key, path));
}

function parseField(field: FieldInfo, value: unknown, path: string, depth: number): Value {
  if (field.label === 'repeated') {
    if (!Array.isArray(value)) throw invalid(path, `expected an array, got ${describe(value)}`);
    return value.map((item, i) => {
      if (item === null) throw invalid(`${path}[${i}]`, 'null is not allowed in a repeated field');
      return parseValue(field.value, item, `${path}[${i}]`, depth);
    });
  }
  if (field.label === 'map') {
    if (!isPlainObject(value)) throw invalid(path, `expected an object (map), got ${describe(value)}`);
    const out: MapValue = {};
    for (const [key, item] of Object.entries(value)) {
      const itemPath = `${path}[${JSON.stringify(key)}]`;
      if (item === null) throw invalid(itemPath, 'null is not allowed as a map value');
      out[parseMapKey(field.mapKey!, key, itemPath)] = parseValue(field.value, item, itemPath, depth);
    }
    return out;
  }
  return parseValue(field.value, value, path, depth);
}

function parseMessage(info: MessageInfo, json: unknown, path: string, depth: number): Message {
  if (depth > DEFAULT_MAX_DEPTH) throw invalid(path, `nesting deeper than ${DEFAULT_MAX_DEPTH}`);
  if (!isPlainObject(json)) throw invalid(path, `expected an object (${info.fullName}), got ${describe(json)}`);
  const message: Message = {};
  const oneofSeen = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    const field = info.byJsonKey.get(key);
    const fieldPath = path ? `${path}.${key}` : key;
    if (field === undefined) throw invalid(fieldPath, `unknown field of ${info.fullName}`);
    if (message[field.jsonName] !== undefined) throw invalid(fieldPath, 'field given twice (JSON name and proto name)');
    if (value === null) continue; // proto3 JSON: null means "not set"
    if (field.oneof !== undefined) {
      const other = oneofSeen.get(field.oneof);
      if (other !== undefined) throw invalid(fieldPath, `oneof ${field.oneof} already has ${other}; set only one member`);
      oneofSeen.set(field.oneof, key);
    }
    message[field.jsonName] = parseField(field, value, fieldPath, depth);
  }
  return fillDefaults(info, message);
}

/** Parses proto3 JSON strictly into a message. Throws CapwireError INVALID_ARGUMENT. */
export function messageFromJson(info: MessageInfo, json: unknown): Message {
  return parseMessage(info, json, '', 0);
}

// ---------- to JSON ----------

function scalarToJson(scalar: ScalarKind, value: Value): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return encodeBase64(value);
  if (typeof value === 'number' && (scalar === 'double' || scalar === 'float') && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  return value;
}

function valueToJson(info: ValueInfo, value: Value): unknown {
  if (info.kind === 'message') return messageToJson(info.message(), value as Message);
  if (info.kind === 'enum') return info.enumInfo.byNumber.get(value as number) ?? value;
  return scalarToJson(info.scalar, value);
}

/**
 * Writes canonical proto3 JSON (camelCase names, bytes as base64, 64-bit ints
 * as strings). Fields with implicit presence are always written, so a reader
 * sees `exitCode: 0` rather than a missing key; unset optional and message
 * fields are left out.
 */
export function messageToJson(info: MessageInfo, message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of info.fields) {
    const value = message[field.jsonName];
    if (value === undefined) continue;
    if (field.label === 'repeated') {
      out[field.jsonName] = (value as Value[]).map((item) => valueToJson(field.value, item));
    } else if (field.label === 'map') {
      const map: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as MapValue)) map[key] = valueToJson(field.value, item);
      out[field.jsonName] = map;
    } else {
      out[field.jsonName] = valueToJson(field.value, value);
    }
  }
  return out;
}
