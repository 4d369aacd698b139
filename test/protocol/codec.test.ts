import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec/binary.js';
import { messageFromJson, messageToJson } from '../../src/protocol/codec/json.js';
import { decodeBase64, encodeBase64 } from '../../src/protocol/base64.js';
import { testSchemas } from '../helpers/rpc.js';

const everything = testSchemas.message('test.v1.Everything');
const roundTrip = (json: object) => messageToJson(everything, decodeMessage(everything, encodeMessage(everything, messageFromJson(everything, json))));

const json = suite('codec: proto3 JSON');

json('round-trips every scalar kind, enums, maps, repeated, optional and oneof', () => {
  const input = {
    d: 1.5, f: 0.25, i32: -7, u32: 4294967295, s32: -2147483648, fx32: 12, sfx32: -12,
    i64: '-9223372036854775808', u64: '18446744073709551615', s64: '-5', fx64: '7', sfx64: '-7',
    b: true, s: 'héllo ✓', by: 'AAEC/w==', color: 'COLOR_BLUE',
    child: { s: 'inner', child: { i32: 3 } },
    packedInts: [1, -1, 300], names: ['a', ''], counts: { x: 1, y: -2 },
    nestedById: { '-3': { s: 'neg' } }, maybe: '', choiceNumber: '42', colors: ['COLOR_RED', 'COLOR_BLUE'],
  };
  const out = roundTrip(input);
  for (const [key, value] of Object.entries(input)) {
    if (key === 'child' || key === 'nestedById') continue;
    assert.equal(out[key], value, key);
  }
  assert.equal((out['child'] as Record<string, unknown>)['s'], 'inner');
  assert.equal(((out['nestedById'] as Record<string, Record<string, unknown>>)['-3']!)['s'], 'neg');
  assert.is(out['choiceText'], undefined);
});

json('writes defaults for implicit-presence fields and omits unset optional ones', () => {
  const out = roundTrip({});
  assert.is(out['i32'], 0);
  assert.is(out['i64'], '0');
  assert.is(out['b'], false);
  assert.is(out['s'], '');
  assert.is(out['by'], '');
  assert.is(out['color'], 'COLOR_UNSPECIFIED');
  assert.equal(out['names'], []);
  assert.is('maybe' in out, false);
  assert.is('child' in out, false);
});

json('accepts proto names, numeric strings, enum numbers and NaN/Infinity spellings', () => {
  const out = roundTrip({ packed_ints: ['5'], i32: '-3', u64: 12, color: 1, d: 'NaN', f: '-Infinity', choice_text: 'x' });
  assert.equal(out['packedInts'], [5]);
  assert.is(out['i32'], -3);
  assert.is(out['u64'], '12');
  assert.is(out['color'], 'COLOR_RED');
  assert.is(out['d'], 'NaN');
  assert.is(out['f'], '-Infinity');
  assert.is(out['choiceText'], 'x');
});

const REJECTED: [string, object, RegExp][] = [
  ['string for an int', { i32: 'six' }, /i32: expected an integer/],
  ['fraction for an int', { i32: 1.5 }, /i32: expected an integer/],
  ['bool for an int', { u32: true }, /u32: expected an integer/],
  ['int32 overflow', { i32: 2147483648 }, /out of range for int32/],
  ['negative uint32', { u32: -1 }, /out of range for uint32/],
  ['uint64 overflow', { u64: '18446744073709551616' }, /out of range for uint64/],
  ['unsafe 64-bit number', { i64: 2 ** 60 }, /must be written as a string/],
  ['float overflow', { f: 1e39 }, /out of range for float/],
  ['number for a string', { s: 5 }, /s: expected a string/],
  ['array for a string', { s: ['a'] }, /s: expected a string/],
  ['string for a bool', { b: 'true' }, /b: expected true or false/],
  ['number for a bool', { b: 1 }, /b: expected true or false/],
  ['bad base64', { by: 'a$b=' }, /not valid base64/],
  ['base64 with non-zero padding bits', { by: 'AB==' }, /not valid base64/],
  ['unknown enum name', { color: 'COLOR_GREEN' }, /not a value of test.v1.Color/],
  ['unknown enum number', { color: 9 }, /expected a test.v1.Color name/],
  ['unknown field', { nope: 1 }, /nope: unknown field/],
  ['unknown nested field', { child: { child: { zzz: 1 } } }, /child.child.zzz: unknown field/],
  ['object for repeated', { names: { a: 1 } }, /names: expected an array/],
  ['null inside repeated', { names: ['a', null] }, /names\[1\]: null is not allowed/],
  ['wrong element type', { packedInts: [1, 'x'] }, /packedInts\[1\]: expected an integer/],
  ['array for a map', { counts: [1] }, /counts: expected an object/],
  ['bad map key type', { nestedById: { abc: {} } }, /expected an integer/],
  ['bad map value', { counts: { a: 'x' } }, /counts\["a"\]: expected an integer/],
  ['string for a message', { child: 'x' }, /child: expected an object/],
  ['two oneof members', { choiceText: 'a', choiceNumber: '1' }, /oneof choice already has/],
  ['same field twice by two names', { packed_ints: [1], packedInts: [2] }, /given twice/],
];

for (const [name, input, pattern] of REJECTED) {
  json(`rejects ${name} with INVALID_ARGUMENT`, () => {
    try {
      messageFromJson(everything, input);
    } catch (error) {
      const failure = error as Error & { code: string };
      assert.is(failure.code, 'INVALID_ARGUMENT');
      assert.match(failure.message, pattern);
      return;
    }
    assert.unreachable(`accepted ${JSON.stringify(input)}`);
  });
}

json('rejects non-objects at the root and nesting beyond the limit', () => {
  for (const input of [null, 5, 'x', [1]]) assert.throws(() => messageFromJson(everything, input), /expected an object/);
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) deep = { child: deep };
  assert.throws(() => messageFromJson(everything, deep), /nesting deeper than 32/);
});

json('treats null as unset', () => {
  assert.is(roundTrip({ s: null, child: null })['s'], '');
});

json.run();

const binary = suite('codec: binary');

const bytesOf = (...values: number[]) => Uint8Array.from(values);

binary('skips unknown fields of every wire type', () => {
  // field 100 varint, field 101 fixed64, field 102 length, field 103 fixed32, then s="ok"
  const frame = bytesOf(0xa0, 0x06, 0x01, 0xa9, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0xb2, 0x06, 0x01, 0x41, 0xbd, 0x06, 1, 2, 3, 4, 0x72, 0x02, 0x6f, 0x6b);
  assert.is(decodeMessage(everything, frame)['s'], 'ok');
});

binary('accepts packed and unpacked repeated numbers alike', () => {
  const packed = decodeMessage(everything, bytesOf(0x92, 0x01, 0x02, 0x01, 0x02));
  const unpacked = decodeMessage(everything, bytesOf(0x90, 0x01, 0x01, 0x90, 0x01, 0x02));
  assert.equal(packed['packedInts'], [1, 2]);
  assert.equal(unpacked['packedInts'], [1, 2]);
});

binary('the last oneof member on the wire wins', () => {
  const message = decodeMessage(everything, bytesOf(0xba, 0x01, 0x01, 0x61, 0xc0, 0x01, 0x05));
  assert.is(message['choiceText'], undefined);
  assert.is(message['choiceNumber'], 5n);
});

const MALFORMED: [string, Uint8Array, RegExp][] = [
  ['field number 0', bytesOf(0x00, 0x01), /field number 0/],
  ['varint where a string belongs', bytesOf(0x70, 0x01), /Everything.s: wire type 0, expected 2/],
  ['length where an int belongs', bytesOf(0x1a, 0x01, 0x00), /Everything.i32: wire type 2, expected 0/],
  ['fixed32 where a double belongs', bytesOf(0x0d, 0, 0, 0, 0), /Everything.d: wire type 5, expected 1/],
  ['truncated varint', bytesOf(0x18, 0x80), /truncated/],
  ['truncated string', bytesOf(0x72, 0x05, 0x61), /runs past the end/],
  ['truncated fixed64', bytesOf(0x59, 1, 2), /truncated/],
  ['truncated tag', bytesOf(0x80), /truncated/],
  ['invalid UTF-8 in a string', bytesOf(0x72, 0x02, 0xc3, 0x28), /not valid UTF-8/],
  ['wire type 7', bytesOf(0xff, 0x01), /invalid wire type/],
  ['huge length prefix', bytesOf(0x7a, 0xff, 0xff, 0xff, 0xff, 0x0f), /runs past the end/],
  ['packed field overrun', bytesOf(0x92, 0x01, 0x01, 0x80), /overruns|truncated/],
];

for (const [name, frame, pattern] of MALFORMED) {
  binary(`rejects ${name} with MALFORMED_MESSAGE`, () => {
    try {
      decodeMessage(everything, frame);
    } catch (error) {
      assert.is((error as { code: string }).code, 'MALFORMED_MESSAGE');
      assert.match((error as Error).message, pattern);
      return;
    }
    assert.unreachable('decoded');
  });
}

binary('rejects nesting deeper than the limit', () => {
  let message: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) message = { child: message };
  const deep = encodeMessage(everything, message as never);
  assert.throws(() => decodeMessage(everything, deep), /nesting deeper than 32/);
  assert.ok(decodeMessage(everything, deep, 64));
});

binary.run();

const base64 = suite('base64');

base64('round-trips every length 0..64 and both alphabets', () => {
  for (let n = 0; n <= 64; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff);
    const text = encodeBase64(bytes);
    assert.equal(decodeBase64(text), bytes);
    assert.equal(decodeBase64(text.replace(/=+$/, '')), bytes);
    assert.equal(decodeBase64(text.replace(/\+/g, '-').replace(/\//g, '_')), bytes);
  }
});

base64('rejects stray characters, whitespace and impossible lengths', () => {
  for (const bad of ['a', 'ab c', 'ab\n', 'a=bc', '@@@@', 'abcde']) assert.is(decodeBase64(bad), undefined, bad);
});

base64.run();

const names = suite('codec: json_name');

names('a json_name option renames the field in JSON, both ways; the proto name still parses', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadProtoDirs } = await import('../../src/protocol/proto-loader.js');
  const dir = mkdtempSync(join(tmpdir(), 'capwire-jsonname-'));
  try {
    writeFileSync(join(dir, 'n.proto'), 'syntax = "proto3";\npackage jn;\nmessage M { string foo_bar = 1 [json_name = "fb"]; int32 plain_field = 2; }\n');
    const info = loadProtoDirs([dir]).message('jn.M');
    const message = messageFromJson(info, { fb: 'x', plainField: 3 });
    assert.equal(messageToJson(info, decodeMessage(info, encodeMessage(info, message))), { fb: 'x', plainField: 3 });
    assert.is(messageFromJson(info, { foo_bar: 'y' })['fb'], 'y');
    assert.throws(() => messageFromJson(info, { fooBar: 'z' }), /fooBar: unknown field/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

names.run();
