import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeMessage } from '../../src/protocol/codec/binary.js';
import { decodeFrame, type Envelope, encodeFrame } from '../../src/protocol/frame.js';
import { ERROR_CODES } from '../../src/protocol/errors.js';
import { builtinSchemas } from '../../src/protocol/schemas.js';
import { connectedPair, sleep } from '../helpers/rpc.js';

/** Deterministic PRNG so a failure replays (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validFrames(): Uint8Array[] {
  const ping = encodeMessage(builtinSchemas().message('capwire.v1.PingRequest'), { data: Uint8Array.from([1, 2, 3]) });
  const envelopes: Envelope[] = [
    { protocolVersion: 1, id: 1, request: { method: 'sys.ping', payload: ping, deadlineMs: 100 } },
    { protocolVersion: 1, id: 2, cancel: { reason: 'x' } },
    { protocolVersion: 1, id: 3, streamChunk: { seq: 1, data: ping, credit: 2 } },
    { protocolVersion: 1, id: 4, request: { method: 'fs.readFile', payload: ping } },
    { protocolVersion: 1, id: 0, hello: { protocolVersions: [1], services: [{ name: 'capwire.v1.Sys', version: '1.0.0' }] } },
  ];
  return envelopes.map((envelope) => encodeFrame(envelope));
}

function mutate(frame: Uint8Array, random: () => number): Uint8Array {
  const out = Uint8Array.from(frame);
  switch (Math.floor(random() * 5)) {
    case 0: // bit flips
      for (let i = 0; i < 1 + random() * 4; i++) {
        const at = Math.floor(random() * out.length);
        out[at] = out[at]! ^ (1 << Math.floor(random() * 8));
      }
      return out;
    case 1: // truncation
      return out.subarray(0, Math.floor(random() * out.length));
    case 2: // length-field lies: overwrite a byte with a big varint continuation
      out[Math.floor(random() * out.length)] = 0xff;
      return out;
    case 3: { // splice random bytes in
      const at = Math.floor(random() * out.length);
      const noise = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256));
      return Uint8Array.from([...out.subarray(0, at), ...noise, ...out.subarray(at)]);
    }
    default: // pure random bytes
      return Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256));
  }
}

const test = suite('robustness');

test('10,000 random and mutated frames: only well-formed error responses, the host keeps serving', async () => {
  const random = rng(20261126);
  const seeds = validFrames();
  let thrown = 0;
  const onUncaught = () => thrown++;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  let replies = 0;
  let badReplies = 0;
  let sessions = 0;
  // Abuse closes a session after a few malformed frames, so feed each batch to a fresh session.
  for (let batch = 0; batch < 100; batch++) {
    const { clientEnd, host } = await connectedPair({ limits: { maxMalformedFrames: 1_000_000 } });
    sessions++;
    clientEnd.on('message', (frame) => {
      replies++;
      try {
        const envelope = decodeFrame(frame);
        const code = envelope.error?.code ?? envelope.response?.error?.code;
        const ok = envelope.response?.payload !== undefined && envelope.response.error == null;
        if (!ok && (code === undefined || code <= 0 || code >= ERROR_CODES.length)) badReplies++;
      } catch {
        badReplies++;
      }
    });
    for (let i = 0; i < 100; i++) clientEnd.send(mutate(seeds[Math.floor(random() * seeds.length)]!, random));
    await sleep(1);
    assert.is(host.openSessions, 1, 'the session survived its batch');
    clientEnd.close();
  }
  await sleep(150);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  assert.is(thrown, 0, 'nothing escaped the host');
  assert.is(badReplies, 0, 'every reply decodes and carries a code from the enum');
  assert.ok(replies >= 9_000, `replies: ${replies}`);
  assert.is(sessions, 100);

  // And a normal client still gets served afterwards.
  const { client } = await connectedPair();
  assert.equal(await client.call('sys.ping', { data: 'AQ==' }), { data: 'AQ==' });
  client.close();
});

test('repeated garbage closes only the offending session', async () => {
  const bad = await connectedPair({ limits: { maxMalformedFrames: 3 } });
  const good = await connectedPair({ limits: { maxMalformedFrames: 3 } });
  let closed = '';
  bad.clientEnd.on('close', (reason) => (closed = reason));
  for (let i = 0; i < 5; i++) bad.clientEnd.send(Uint8Array.from([0xff, 0xff, 0xff]));
  await sleep(10);
  assert.match(closed, /more than 3 malformed frames/);
  assert.is(bad.host.openSessions, 0);
  assert.equal(await good.client.call('sys.ping', {}), { data: '' });
  good.client.close();
});

test('an oversized frame is answered with PAYLOAD_TOO_LARGE without being decoded', async () => {
  const { clientEnd, client } = await connectedPair({ limits: { maxFrameBytes: 1024 } });
  const replies: Envelope[] = [];
  clientEnd.on('message', (frame) => replies.push(decodeFrame(frame)));
  clientEnd.send(new Uint8Array(4096).fill(0x0a));
  await sleep(5);
  assert.is(replies[0]?.error?.code, 7);
  assert.match(replies[0]?.error?.message ?? '', /4096 bytes exceeds the limit of 1024/);
  // The client refuses to send oversize requests itself, too.
  const error = await client.call('sys.ping', { data: Buffer.alloc(2048).toString('base64') }).catch((e) => e);
  assert.is(error.code, 'PAYLOAD_TOO_LARGE');
  client.close();
});

test.run();
