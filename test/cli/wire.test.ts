import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/capwire.js', import.meta.url));
const capwire = (args: string[], input: string | Uint8Array) => spawnSync(process.execPath, [bin, ...args], { input, cwd: root });
const protoc = (args: string[], input: string | Uint8Array) =>
  spawnSync('protoc', ['-I', 'proto', ...args, 'capwire/v1/envelope.proto'], { input, cwd: root });

const test = suite('cli: capwire wire');

test('--help lists the commands', () => {
  const result = spawnSync(process.execPath, [bin, '--help']);
  assert.is(result.status, 0);
  for (const word of ['wire encode|decode', 'call --policy', 'demo']) assert.ok(result.stdout.toString().includes(word), word);
});

const ENVELOPES = [
  { protocolVersion: 1, id: 42, request: { method: 'fs.readFile', payload: 'CgMvYQ==', deadlineMs: 250 } },
  { protocolVersion: 1, id: 7, response: { error: { code: 'PERMISSION_DENIED', message: 'no', details: { capability: 'fs.read' } } } },
  { protocolVersion: 1, id: 0, hello: { protocolVersions: [1, 2], services: [{ name: 'capwire.v1.Fs', version: '1.0.0', fingerprint: '' }], clientName: 'test' } },
  { protocolVersion: 1, id: 3, streamChunk: { seq: 9, data: 'AAE=', end: true, credit: 4 } },
];

for (const envelope of ENVELOPES) {
  test(`encode -> decode round trip and protoc agreement for ${Object.keys(envelope)[2]}`, () => {
    const encoded = capwire(['wire', 'encode'], JSON.stringify(envelope));
    assert.is(encoded.status, 0, encoded.stderr.toString());
    const decoded = capwire(['wire', 'decode'], encoded.stdout);
    assert.is(decoded.status, 0, decoded.stderr.toString());
    const back = JSON.parse(decoded.stdout.toString());
    assert.is(back.id, envelope.id);
    assert.equal(Object.keys(back).sort(), Object.keys(envelope).sort());
    // The reference decoder reads our bytes to the same text protoc itself writes from them.
    const viaProtoc = protoc(['--decode=capwire.v1.Envelope'], encoded.stdout);
    assert.is(viaProtoc.status, 0, viaProtoc.stderr.toString());
    const reencoded = protoc(['--encode=capwire.v1.Envelope'], viaProtoc.stdout);
    assert.equal([...reencoded.stdout], [...encoded.stdout]);
  });
}

test('protoc-encoded bytes decode to the same values', () => {
  const text = 'protocol_version: 1\nid: 99\nrequest { method: "sys.ping" payload: "\\001\\002" deadline_ms: 5 }\n';
  const bytes = protoc(['--encode=capwire.v1.Envelope'], text).stdout;
  const decoded = capwire(['wire', 'decode'], bytes);
  assert.equal(JSON.parse(decoded.stdout.toString()), { protocolVersion: 1, id: 99, request: { method: 'sys.ping', payload: 'AQI=', deadlineMs: 5 } });
});

test('unknown binary fields from a newer peer are tolerated', () => {
  const bytes = Buffer.from([0x08, 0x01, 0x10, 0x05, 0xa0, 0x1f, 0x07, 0xaa, 0x1f, 0x02, 0x68, 0x69]);
  const decoded = capwire(['wire', 'decode'], bytes);
  assert.is(decoded.status, 0, decoded.stderr.toString());
  assert.equal(JSON.parse(decoded.stdout.toString()), { protocolVersion: 1, id: 5 });
});

test('--delimited encodes several envelopes and decodes them one per line', () => {
  const input = ENVELOPES.map((e) => JSON.stringify(e)).join('\n');
  const encoded = capwire(['wire', 'encode', '--delimited'], input);
  assert.is(encoded.status, 0, encoded.stderr.toString());
  const decoded = capwire(['wire', 'decode', '--delimited'], encoded.stdout);
  const lines = decoded.stdout.toString().trim().split('\n').map((line) => JSON.parse(line));
  assert.is(lines.length, ENVELOPES.length);
  assert.equal(lines.map((l) => l.id), ENVELOPES.map((e) => e.id));
  assert.is(encoded.stdout[0], encoded.stdout.length > 0 ? capwire(['wire', 'encode'], JSON.stringify(ENVELOPES[0])).stdout.length : -1);
});

const BAD_JSON: [string, string, RegExp][] = [
  ['not JSON', '{', /not valid JSON/],
  ['unknown JSON name', '{"protocolVersion":1,"bogus":2}', /bogus: unknown field/],
  ['wrong type', '{"id":"seven"}', /id: expected an integer/],
  ['out of range', '{"id":4294967296}', /out of range for uint32/],
  ['negative uint32', '{"protocolVersion":-1}', /out of range/],
  ['two members of one oneof', '{"cancel":{},"error":{}}', /oneof body already has cancel/],
  ['bad enum name', '{"error":{"code":"NOPE"}}', /not a value of capwire.v1.ErrorCode/],
  ['bad base64', '{"request":{"payload":"**"}}', /not valid base64/],
  ['array at the root', '[1]', /expected an object/],
];
for (const [name, input, pattern] of BAD_JSON) {
  test(`encode rejects ${name}: exit 1, one clear line, no stack`, () => {
    const result = capwire(['wire', 'encode'], input);
    assert.is(result.status, 1);
    const err = result.stderr.toString();
    assert.match(err, pattern);
    assert.not.match(err, /\n\s+at /);
    assert.is(result.stdout.length, 0);
  });
}

const BAD_BYTES: [string, number[], RegExp][] = [
  ['truncated data', [0x62, 0x05, 0x0a], /runs past the end|truncated/],
  ['field number 0', [0x00, 0x01], /field number 0/],
  ['wrong wire type on a known field', [0x0a, 0x01, 0x00], /protocol_version: wire type 2, expected 0/],
  ['wrong wire type in a nested field', [0x62, 0x02, 0x08, 0x01], /Request.method: wire type 0, expected 2/],
  ['invalid UTF-8', [0x62, 0x03, 0x0a, 0x01, 0xff], /not valid UTF-8/],
];
for (const [name, bytes, pattern] of BAD_BYTES) {
  test(`decode rejects ${name}: exit 1 naming the problem`, () => {
    const result = capwire(['wire', 'decode'], Buffer.from(bytes));
    assert.is(result.status, 1);
    assert.match(result.stderr.toString(), pattern);
    assert.not.match(result.stderr.toString(), /\n\s+at /);
  });
}

test('decode --delimited rejects a truncated stream', () => {
  const result = capwire(['wire', 'decode', '--delimited'], Buffer.from([0x05, 0x08]));
  assert.is(result.status, 1);
  assert.match(result.stderr.toString(), /claims 5 bytes but only 1 remain/);
});

test('a wrong subcommand is a usage error', () => {
  const result = capwire(['wire', 'sideways'], '');
  assert.is(result.status, 1);
  assert.match(result.stderr.toString(), /expected "encode" or "decode"/);
});

test.run();
