/**
 * Valid messages for any compiled descriptor, biased towards values that
 * matter to a host: paths from the workspace, env names, programs, host:port.
 */
import type { Message, MapValue, Value } from '../protocol/codec/message.js';
import type { FieldInfo, MessageInfo, ScalarKind, ValueInfo } from '../protocol/codec/schema.js';
import type { Rng } from './random.js';

export interface Dictionary {
  readonly paths: readonly string[];
  readonly envNames: readonly string[];
  readonly programs: readonly string[];
  readonly hosts: readonly string[];
  /** Strings seen elsewhere (corpus, method names) to splice in. */
  readonly words: readonly string[];
}

const INT32_EDGES = [0, 1, -1, 2, 127, 128, 255, 1024, 65535, 65536, 0x7fffffff, -0x80000000, 100, 1000];
const UINT32_EDGES = [0, 1, 2, 100, 1000, 30_000, 0x7fffffff, 0x80000000, 0xffffffff];
const INT64_EDGES = [0n, 1n, -1n, 2n ** 31n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
const UINT64_EDGES = [0n, 1n, 4n, 1024n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n];

function randomString(rng: Rng, dict: Dictionary): string {
  switch (rng.int(6)) {
    case 0: return '';
    case 1: return rng.pick(dict.words.length > 0 ? dict.words : ['x']);
    case 2: return 'é\u{1F600}\u0000\uFFFD'.slice(0, rng.int(5));
    case 3: return 'a'.repeat(rng.size(5000));
    default: return Array.from({ length: rng.size(16) }, () => String.fromCharCode(32 + rng.int(95))).join('');
  }
}

function hinted(field: FieldInfo, rng: Rng, dict: Dictionary): string | undefined {
  if (rng.chance(0.1)) return undefined;
  switch (field.protoName) {
    case 'path': return rng.pick(dict.paths);
    case 'name': return rng.pick(dict.envNames);
    case 'program': return rng.pick(dict.programs);
    case 'host': return rng.pick(dict.hosts);
    default: return undefined;
  }
}

function scalarValue(scalar: ScalarKind, rng: Rng, dict: Dictionary, field: FieldInfo): Value {
  switch (scalar) {
    case 'double': case 'float': return rng.pick([0, 1, -1, 0.5, 1e300, -0, Number.NaN, Number.POSITIVE_INFINITY, rng.u32() / 7]);
    case 'int32': case 'sint32': case 'sfixed32': return rng.pick(INT32_EDGES);
    case 'uint32': case 'fixed32':
      if (field.protoName === 'port') return rng.pick([9, 0, 80, 65535, 65536]);
      if (/ms$/i.test(field.protoName)) return rng.pick([0, 1, 50, 200, 1000, 0x7fffffff, 0x80000000, 0xffffffff]);
      return rng.pick(UINT32_EDGES);
    case 'int64': case 'sint64': case 'sfixed64': return rng.pick(INT64_EDGES);
    case 'uint64': case 'fixed64': return rng.pick(UINT64_EDGES);
    case 'bool': return rng.chance(0.5);
    case 'string': return hinted(field, rng, dict) ?? randomString(rng, dict);
    case 'bytes': return rng.bytes(rng.size(rng.chance(0.02) ? 1 << 16 : 64));
  }
}

function value(info: ValueInfo, field: FieldInfo, rng: Rng, dict: Dictionary, depth: number): Value {
  if (info.kind === 'scalar') return scalarValue(info.scalar, rng, dict, field);
  if (info.kind === 'enum') {
    const numbers = [...info.enumInfo.byNumber.keys()];
    return rng.chance(0.9) ? rng.pick(numbers) : rng.pick([-1, 99, 0x7fffffff]);
  }
  return randomMessage(info.message(), rng, dict, depth + 1);
}

function mapKey(scalar: ScalarKind, rng: Rng): string {
  if (scalar === 'string') return rng.pick(['', 'k', 'key with space', `k${rng.int(100)}`]);
  if (scalar === 'bool') return rng.pick(['true', 'false']);
  return String(rng.pick([0, 1, -1, 42, 2147483647]));
}

/** A valid message: every field type-correct, at most one member per oneof. */
export function randomMessage(info: MessageInfo, rng: Rng, dict: Dictionary, depth = 0): Message {
  const message: Message = {};
  const oneofTaken = new Set<string>();
  for (const field of info.fields) {
    const hint = field.protoName === 'path' || field.protoName === 'program' || field.protoName === 'name' || field.protoName === 'host';
    if (!hint && !rng.chance(depth > 2 ? 0.2 : 0.6)) continue;
    if (field.oneof !== undefined) {
      if (oneofTaken.has(field.oneof)) continue;
      oneofTaken.add(field.oneof);
    }
    if (field.value.kind === 'message' && depth > 4) continue;
    if (field.label === 'repeated') {
      message[field.jsonName] = Array.from({ length: rng.size(6) }, () => value(field.value, field, rng, dict, depth));
    } else if (field.label === 'map') {
      const map: MapValue = {};
      for (let i = rng.size(4); i > 0; i--) {
        const v = value(field.value, field, rng, dict, depth);
        map[mapKey(field.mapKey!, rng)] = v;
      }
      message[field.jsonName] = map;
    } else {
      message[field.jsonName] = value(field.value, field, rng, dict, depth);
    }
  }
  return message;
}
