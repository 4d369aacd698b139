/**
 * The in-memory form of a decoded message, shared by the binary and JSON codecs.
 * Keys are JSON names (camelCase). Scalars: 32-bit ints and floats as number,
 * 64-bit ints as bigint, bytes as Uint8Array, enums as their number. Fields
 * with implicit presence always hold a value (the zero value when unset).
 */
import type { FieldInfo, MessageInfo, ScalarKind } from './schema.js';

export type Value = number | bigint | boolean | string | Uint8Array | Message | Value[] | MapValue;
export interface Message {
  [jsonName: string]: Value | undefined;
}
export interface MapValue {
  [key: string]: Value;
}

export function zeroValue(scalar: ScalarKind): Value {
  switch (scalar) {
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': return 0n;
    case 'bool': return false;
    case 'string': return '';
    case 'bytes': return new Uint8Array(0);
    default: return 0;
  }
}

function fieldZero(field: FieldInfo): Value | undefined {
  switch (field.label) {
    case 'repeated': return [];
    case 'map': return {};
    case 'optional': return undefined;
    case 'single':
      if (field.oneof !== undefined || field.value.kind === 'message') return undefined;
      return field.value.kind === 'enum' ? 0 : zeroValue(field.value.scalar);
  }
}

/** Fills every implicit-presence field that is still unset with its zero value. */
export function fillDefaults(info: MessageInfo, message: Message): Message {
  for (const field of info.fields) {
    if (message[field.jsonName] !== undefined) continue;
    const zero = fieldZero(field);
    if (zero !== undefined) message[field.jsonName] = zero;
  }
  return message;
}

/** True when a value equals its field's zero value (implicit presence skips it on the wire). */
export function isZero(value: Value): boolean {
  if (typeof value === 'number') return value === 0 && !Object.is(value, -0);
  if (typeof value === 'bigint') return value === 0n;
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') return value.length === 0;
  if (value instanceof Uint8Array) return value.length === 0;
  return false;
}
