// Property tests (fast-check): codec round trips for generated messages, and
// the native engine's decisions equal the reference model's for generated
// policies and requests over a tree full of symlinks, under both resolvers.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ReferenceModel, type RefVerdict } from '../../src/fuzz/reference.js';
import { buildWorkspace, MAIN_ORIGIN, OTHER_ORIGIN } from '../../src/fuzz/workspace.js';
import { openEngine } from '../../src/native/binding.js';
import { encodePolicyBlob } from '../../src/native/policy-blob.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { decodeBase64, encodeBase64 } from '../../src/protocol/base64.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec/binary.js';
import { messageFromJson, messageToJson } from '../../src/protocol/codec/json.js';
import { fillDefaults, type MapValue, type Message, type Value } from '../../src/protocol/codec/message.js';
import type { FieldInfo, MessageInfo, ScalarKind, ValueInfo } from '../../src/protocol/codec/schema.js';
import { decodeFrame, type Envelope, encodeFrame } from '../../src/protocol/frame.js';
import { builtinSchemas } from '../../src/protocol/schemas.js';
import { testSchemas } from '../helpers/rpc.js';

const RUNS = Number(process.env['CAPWIRE_PROPERTY_RUNS'] ?? 200);

// ---------- arbitraries over compiled descriptors ----------

const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
const uint64 = fc.bigInt(0n, 2n ** 64n - 1n);

function scalar(kind: ScalarKind): fc.Arbitrary<Value> {
  switch (kind) {
    case 'double': return fc.double({ noNaN: true });
    case 'float': return fc.float({ noNaN: true }).map((v) => Math.fround(v));
    case 'int32': case 'sint32': case 'sfixed32': return fc.integer();
    case 'uint32': case 'fixed32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64': case 'sint64': case 'sfixed64': return int64;
    case 'uint64': case 'fixed64': return uint64;
    case 'bool': return fc.boolean();
    case 'string': return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'bytes': return fc.uint8Array({ maxLength: 16 });
  }
}

function mapKey(kind: ScalarKind): fc.Arbitrary<string> {
  if (kind === 'string') return fc.string({ maxLength: 6 });
  if (kind === 'bool') return fc.constantFrom('true', 'false');
  if (kind.endsWith('64')) return (kind.startsWith('u') || kind === 'fixed64' ? uint64 : int64).map(String);
  return (kind.startsWith('u') || kind === 'fixed32' ? fc.integer({ min: 0, max: 2 ** 32 - 1 }) : fc.integer()).map(String);
}

function valueOf(info: ValueInfo, depth: number): fc.Arbitrary<Value> {
  if (info.kind === 'scalar') return scalar(info.scalar);
  if (info.kind === 'enum') return fc.constantFrom(...info.enumInfo.byNumber.keys());
  return messageOf(info.message(), depth + 1);
}

function fieldOf(field: FieldInfo, depth: number): fc.Arbitrary<Value> {
  if (field.label === 'repeated') return fc.array(valueOf(field.value, depth), { maxLength: 3 });
  if (field.label === 'map') {
    return fc.dictionary(mapKey(field.mapKey!), valueOf(field.value, depth), { maxKeys: 3 }).map((entries) => ({ ...entries }) as MapValue);
  }
  return valueOf(field.value, depth);
}

/** Any valid message: each field present or not, at most one member per oneof, bounded nesting. */
function messageOf(info: MessageInfo, depth = 0): fc.Arbitrary<Message> {
  const fields = info.fields.filter((field) => depth < 3 || field.value.kind !== 'message');
  const plain = fields.filter((field) => field.oneof === undefined);
  const record: Record<string, fc.Arbitrary<Value>> = {};
  for (const field of plain) record[field.jsonName] = fieldOf(field, depth);
  const oneofs = [...info.oneofs.values()].map((members) =>
    fc.option(fc.oneof(...members.filter((m) => fields.includes(m)).map((m) => fieldOf(m, depth).map((v) => [m.jsonName, v] as const))), { nil: undefined }),
  );
  return fc
    .tuple(fc.record(record, { requiredKeys: [] }), fc.tuple(...oneofs))
    .map(([base, chosen]) => {
      const message: Message = { ...base };
      for (const pick of chosen) if (pick) message[pick[0]] = pick[1];
      return message;
    });
}

/** What a decoder yields for a message: defaults filled in, recursively. */
function normalized(info: MessageInfo, message: Message): Message {
  const out: Message = {};
  for (const field of info.fields) {
    const v = message[field.jsonName];
    if (v === undefined) continue;
    if (field.value.kind !== 'message') out[field.jsonName] = v;
    else {
      const sub = field.value.message();
      if (field.label === 'repeated') out[field.jsonName] = (v as Message[]).map((m) => normalized(sub, m));
      else if (field.label === 'map') out[field.jsonName] = Object.fromEntries(Object.entries(v as Record<string, Message>).map(([k, m]) => [k, normalized(sub, m)]));
      else out[field.jsonName] = normalized(sub, v as Message);
    }
  }
  return fillDefaults(info, out);
}

/** Deep comparison text: bigint, bytes (Buffer or Uint8Array), -0 and key order made explicit. */
function canonical(value: unknown, negativeZero = true): string {
  const plain = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
    if (typeof v === 'number' && Object.is(v, -0)) return negativeZero ? '-0' : 0;
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  return JSON.stringify(plain(value));
}

const codec = suite('properties: codecs');
const everything = testSchemas.message('test.v1.Everything');
const envelope = builtinSchemas().message('capwire.v1.Envelope');

codec('test.v1.Everything: binary decode(encode(m)) = m (defaults filled)', () => {
  fc.assert(
    fc.property(messageOf(everything), (message) => {
      assert.is(canonical(decodeMessage(everything, encodeMessage(everything, message))), canonical(normalized(everything, message)));
    }),
    { numRuns: RUNS, seed: 7 },
  );
});

codec('test.v1.Everything: JSON fromJson(toJson(m)) = m, and the JSON survives JSON.stringify', () => {
  fc.assert(
    fc.property(messageOf(everything), (message) => {
      const full = normalized(everything, message);
      const text = JSON.stringify(messageToJson(everything, full));
      // JSON has no -0: a double or float -0 comes back as 0 (the only lossy case).
      assert.is(canonical(messageFromJson(everything, JSON.parse(text)), false), canonical(full, false));
    }),
    { numRuns: RUNS, seed: 8 },
  );
});

codec('capwire.v1.Envelope: the strict codec and the static frame encoder agree both ways', () => {
  fc.assert(
    fc.property(messageOf(envelope), (message) => {
      const strict = encodeMessage(envelope, message);
      const viaFrame = decodeFrame(encodeFrame(message as Envelope));
      assert.is(canonical(viaFrame), canonical(normalized(envelope, message)));
      assert.is(canonical(decodeFrame(strict)), canonical(normalized(envelope, message)));
    }),
    { numRuns: RUNS, seed: 9 },
  );
});

codec('base64: decode(encode(b)) = b; whatever decodes is canonical and equals what Buffer decodes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    assert.is(Buffer.from(decodeBase64(encodeBase64(bytes))!).toString('hex'), Buffer.from(bytes).toString('hex'));
  }), { numRuns: RUNS, seed: 12 });
  const text = fc.string({ unit: fc.constantFrom(...'AQgw+/-_=9Z a\u00e9\n'), maxLength: 13 });
  fc.assert(fc.property(text, (candidate) => {
    const decoded = decodeBase64(candidate);
    if (!decoded) return;
    const standard = candidate.replace(/-/g, '+').replace(/_/g, '/');
    assert.is(Buffer.from(decoded).toString('hex'), Buffer.from(standard, 'base64').toString('hex'), candidate);
    assert.is(encodeBase64(decoded).replace(/=+$/, ''), standard.replace(/=+$/, ''), `${candidate}: only canonical spellings decode`);
  }), { numRuns: RUNS * 10, seed: 13 });
});

// ---------- native engine = reference model ----------

const policy = suite('properties: native engine equals the reference model');
const ws = buildWorkspace();
const ORIGINS = [MAIN_ORIGIN, OTHER_ORIGIN, '*'];
const DIRS = ['data', 'data/sub', 'data/sub/deep', 'data/private', 'data/out', 'data/out/locked', 'data/out/sub', 'data-evil', 'outside', 'shared', 'data/escape-dir', 'data/inside-dir-link', 'missing'];
const TOKENS = ['data', 'sub', 'deep', 'private', 'out', 'locked', 'outside', 'shared', 'a.txt', 'b.txt', 'p.txt', 'secret.txt', '..', '.', '', 'escape-rel', 'escape-abs', 'abs-inside', 'escape-dir', 'to-private', 'to-private-dir', 'to-private-dotdot', 'inside-link', 'inside-dir-link', 'up', 'proc-root', 'dangling', 'loop1', 'link-up', 'to-outside', 'to-locked', 'link-file', 'to-sibling', 'data-evil', 'x.txt'];

const rule = fc.record({
  capability: fc.constantFrom('fs.read', 'fs.write'),
  origins: fc.uniqueArray(fc.constantFrom(...ORIGINS), { minLength: 1, maxLength: 2 }),
  paths: fc.uniqueArray(fc.constantFrom(...DIRS), { minLength: 1, maxLength: 3 }).map((paths) => paths.map((p) => join(ws.root, p))),
});
const valueRule = fc.record({
  capability: fc.constantFrom('env.read'),
  origins: fc.uniqueArray(fc.constantFrom(...ORIGINS), { minLength: 1, maxLength: 2 }),
  names: fc.uniqueArray(fc.constantFrom('LANG', 'HOME', 'X'), { minLength: 1, maxLength: 2 }),
});
const manifest = fc.record({
  version: fc.constant(1 as const),
  grants: fc.array(fc.oneof(rule, rule, valueRule), { maxLength: 5 }),
  deny: fc.array(fc.oneof(rule, valueRule), { maxLength: 3 }),
});
const request = fc.record({
  origin: fc.constantFrom(MAIN_ORIGIN, OTHER_ORIGIN, 'app://stranger'),
  capability: fc.constantFrom('fs.read', 'fs.write'),
  path: fc.tuple(fc.boolean(), fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }), fc.boolean()).map(
    ([inRoot, parts, slash]) => `${inRoot ? ws.root : ''}/${parts.join('/')}${slash ? '/' : ''}`,
  ),
  name: fc.constantFrom('LANG', 'HOME', 'X', ''),
});

function expectCode(verdict: RefVerdict): string[] {
  switch (verdict) {
    case 'allow': return ['OK'];
    case 'deny': return ['PERMISSION_DENIED'];
    case 'invalid': return ['INVALID_ARGUMENT'];
    default: return ['NOT_FOUND', 'IO_ERROR'];
  }
}

for (const forceNoOpenat2 of [false, true]) {
  const resolver = forceNoOpenat2 ? 'fallback' : 'openat2';
  policy(`check, fs.stat and env.read agree for generated policies and requests (${resolver})`, async () => {
    await fc.assert(
      fc.asyncProperty(manifest, fc.array(request, { minLength: 1, maxLength: 8 }), async (authored, requests) => {
        const resolved = parsePolicy(authored, ws.root);
        const engine = openEngine(encodePolicyBlob(resolved.rules), { forceNoOpenat2 });
        const reference = new ReferenceModel(resolved);
        try {
          for (const r of requests) {
            const lexical = reference.decidePathLexical(r.origin, r.capability, r.path);
            const checked = engine.check(r.origin, r.capability, r.path);
            assert.ok(expectCode(lexical.verdict).includes(checked.code), `check ${r.origin} ${r.capability} ${r.path}: reference ${lexical.verdict} (${lexical.reason}), engine ${checked.code}`);
            const full = reference.decideFs(r.origin, 'fs.read', r.path, 'object');
            const stat = await engine.call(r.origin, 'fs.stat', { path: r.path });
            assert.ok(expectCode(full.verdict).includes(stat.code), `fs.stat ${r.origin} ${r.path}: reference ${full.verdict} (${full.reason}), engine ${stat.code} ${'message' in stat ? stat.message : ''}`);
            const env = reference.decideValue(r.origin, 'env.read', r.name);
            const envChecked = engine.check(r.origin, 'env.read', r.name);
            assert.ok(expectCode(env.verdict).includes(envChecked.code), `env.read ${r.origin} ${r.name}: reference ${env.verdict}, engine ${envChecked.code}`);
          }
        } finally {
          engine.close();
        }
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: forceNoOpenat2 ? 11 : 10 },
    );
  });
}

policy.after(() => ws.cleanup());

codec.run();
policy.run();
