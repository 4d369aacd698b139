import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import {
  decodeFrame, encodeDelimited, encodeFrame, type Envelope, envelopeFromJson, envelopeToJson, splitDelimited,
} from '../../src/protocol/frame.js';
import { ERROR_CODES, errorCodeFromNumber } from '../../src/protocol/errors.js';
import { negotiateVersion } from '../../src/protocol/version.js';

const bodies: [string, Envelope][] = [
  ['hello', { protocolVersion: 1, id: 0, hello: { protocolVersions: [1, 2], services: [{ name: 'capwire.v1.Fs', version: '1.0.0', fingerprint: 'ab' }], clientName: 'x' } }],
  ['welcome', { protocolVersion: 1, id: 0, welcome: { protocolVersion: 1, services: [{ name: 'a', version: '1.2.3', fingerprint: '' }], capabilities: ['fs.read'], limits: { maxFrameBytes: 1024, maxInFlight: 4, maxStreams: 2, idleTimeoutMs: 60000 }, origin: 'app://main' } }],
  ['request', { protocolVersion: 1, id: 42, request: { method: 'fs.readFile', payload: Uint8Array.from([1, 2, 3]), deadlineMs: 500 } }],
  ['response with payload', { protocolVersion: 1, id: 42, response: { payload: Uint8Array.from([9]) } }],
  ['response with empty payload', { protocolVersion: 1, id: 42, response: { payload: new Uint8Array(0) } }],
  ['response with error', { protocolVersion: 1, id: 42, response: { error: { code: 1, message: 'denied', details: { capability: 'fs.read' } } } }],
  ['stream chunk', { protocolVersion: 1, id: 7, streamChunk: { seq: 3, data: Uint8Array.from([0, 255]), end: true, credit: 8 } }],
  ['cancel', { protocolVersion: 1, id: 7, cancel: { reason: 'user navigated away' } }],
  ['error', { protocolVersion: 1, id: 0, error: { code: 6, message: 'bad frame', details: {} } }],
];

const frames = suite('frames');

for (const [name, envelope] of bodies) {
  frames(`round-trips ${name} through binary and JSON`, () => {
    const bytes = encodeFrame(envelope);
    const decoded = decodeFrame(bytes);
    const json = envelopeToJson(decoded);
    assert.equal(json, envelopeToJson(envelope as never));
    assert.equal(encodeFrame(envelopeFromJson(JSON.parse(JSON.stringify(json)))), bytes);
  });
}

frames('rejects an oversized frame with PAYLOAD_TOO_LARGE before decoding it', () => {
  const garbage = new Uint8Array(2048).fill(0xff); // would be MALFORMED if it were decoded
  try {
    decodeFrame(garbage, { maxFrameBytes: 1024, maxDepth: 32 });
    assert.unreachable();
  } catch (error) {
    assert.is((error as { code: string }).code, 'PAYLOAD_TOO_LARGE');
    assert.match((error as Error).message, /2048 bytes exceeds the limit of 1024/);
  }
});

frames('the default frame limit is 16 MiB', () => {
  const big = encodeFrame({ protocolVersion: 1, id: 1, request: { method: 'x', payload: new Uint8Array(16 * 1024 * 1024) } });
  assert.throws(() => decodeFrame(big), /exceeds the limit of 16777216/);
  const fits = encodeFrame({ protocolVersion: 1, id: 1, request: { method: 'x', payload: new Uint8Array(16 * 1024 * 1024 - 64) } });
  assert.is(decodeFrame(fits).request?.payload?.byteLength, 16 * 1024 * 1024 - 64);
});

frames('delimited streams split back into the same frames and reject truncation', () => {
  const list = bodies.map(([, envelope]) => encodeFrame(envelope));
  const stream = encodeDelimited(list);
  assert.equal(splitDelimited(stream).map((frame) => [...frame]), list.map((frame) => [...frame]));
  assert.throws(() => splitDelimited(stream.subarray(0, stream.length - 1)), /claims \d+ bytes but only/);
  assert.throws(() => splitDelimited(Uint8Array.from([0x80])), /truncated length prefix/);
  assert.throws(() => splitDelimited(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x7f])), /above the limit/);
});

frames.run();

const codes = suite('error codes');

codes('TypeScript codes match the proto enum by name and number', () => {
  const proto = readFileSync(new URL('../../proto/capwire/v1/envelope.proto', import.meta.url), 'utf8');
  const enumBody = /enum ErrorCode \{([\s\S]*?)\n\}/.exec(proto)![1]!;
  const fromProto = [...enumBody.matchAll(/^\s+([A-Z_]+) = (\d+);/gm)].map((m) => [m[1], Number(m[2])]);
  assert.equal(fromProto, ERROR_CODES.map((code, i) => [code, i]));
});

codes('wire numbers outside the enum map to INTERNAL', () => {
  assert.is(errorCodeFromNumber(1), 'PERMISSION_DENIED');
  assert.is(errorCodeFromNumber(99), 'INTERNAL');
  assert.is(errorCodeFromNumber(0), 'INTERNAL');
});

codes.run();

const versions = suite('version negotiation');

const CASES: [number[], number[], number | string][] = [
  [[1], [1], 1],
  [[1, 2, 3], [1, 2], 2],
  [[3, 1], [1, 3], 3],
  [[2], [1], 'UNSUPPORTED_VERSION'],
  [[], [1], 'UNSUPPORTED_VERSION'],
  [Array.from({ length: 17 }, (_, i) => i + 1), [1], 'INVALID_ARGUMENT'],
];
for (const [offered, supported, expected] of CASES) {
  versions(`offered [${offered.length > 5 ? `${offered.length} versions` : offered}] supported [${supported}] -> ${expected}`, () => {
    if (typeof expected === 'number') {
      assert.is(negotiateVersion(offered, supported), expected);
      return;
    }
    try {
      negotiateVersion(offered, supported);
      assert.unreachable();
    } catch (error) {
      assert.is((error as { code: string }).code, expected);
      if (expected === 'UNSUPPORTED_VERSION') assert.match((error as Error).message, new RegExp(`host supports ${supported.join(', ')}`));
    }
  });
}

versions.run();
