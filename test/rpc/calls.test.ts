import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame.js';
import { connectedPair, rejectsWith, sleep, testSchemas, testService } from '../helpers/rpc.js';
import { sysService } from '../../src/host/sys-service.js';

const withTest = () => connectedPair({ services: [sysService(), testService()], client: { schemas: [testSchemas] } });

const test = suite('calls');

test('sys.ping echoes bytes through the whole path', async () => {
  const { client, audit } = await connectedPair();
  assert.equal(await client.call('sys.ping', { data: 'aGVsbG8=' }), { data: 'aGVsbG8=' });
  assert.ok(audit.some((event) => event.kind === 'call' && event.method === 'sys.ping' && event.code === 'OK'));
  client.close();
});

test('every field kind survives client -> host handler -> client', async () => {
  const { client } = await withTest();
  const input = { i64: '-9007199254740993', u64: '18446744073709551615', by: 'AP8=', color: 'COLOR_RED', counts: { a: 1 }, maybe: 'x', choiceText: 't', child: { s: 'c' } };
  const out = await client.call('test.echo', input);
  for (const [key, value] of Object.entries(input)) if (key !== 'child') assert.equal(out[key], value, key);
  assert.is((out['child'] as { s: string }).s, 'c');
  client.close();
});

test('concurrent calls are correlated by id, whatever order they finish in', async () => {
  const { client } = await withTest();
  const delays = [30, 5, 20, 0, 10, 25, 1, 15];
  const started = delays.map((ms) => client.call('test.slow', { ms }).then(() => ms));
  const finished: number[] = [];
  for (const p of started) p.then((ms) => finished.push(ms));
  const results = await Promise.all(started);
  assert.equal(results, delays);
  assert.not.equal(finished, delays);
  client.close();
});

test('strict params: wrong JSON types and unknown fields are INVALID_ARGUMENT before sending', async () => {
  const { client } = await connectedPair();
  for (const params of [{ data: 5 }, { data: ['x'] }, { nope: 1 }, { data: 'not base64!' }]) {
    await rejectsWith(client.call('sys.ping', params), 'INVALID_ARGUMENT');
  }
  client.close();
});

test('unknown methods are UNKNOWN_METHOD on the client and on the host', async () => {
  const { client } = await connectedPair();
  await rejectsWith(client.call('fs.nope', {}), 'UNKNOWN_METHOD');
  const error = await rejectsWith(client.callRaw('fs.nope', new Uint8Array(0)), 'UNKNOWN_METHOD');
  assert.match(error.message, /no such method on this host/);
  client.close();
});

test('a capability not granted to the origin is PERMISSION_DENIED and the handler never runs', async () => {
  const denied = await connectedPair({ origin: 'app://evil', services: [sysService(), testService()], client: { schemas: [testSchemas] } });
  const error = await rejectsWith(denied.client.call('test.slow', { ms: 0 }), 'PERMISSION_DENIED');
  assert.match(error.message, /test.slow denied for origin "app:\/\/evil"/);
  denied.client.close();
});

test('a throwing handler becomes INTERNAL with context; the session keeps working', async () => {
  const { client } = await withTest();
  const error = await rejectsWith(client.call('test.fail', { reason: 'boom' }), 'INTERNAL');
  assert.match(error.message, /test.fail: handler failed: boom/);
  assert.equal(await client.call('sys.ping', { data: '' }), { data: '' });
  client.close();
});

test('client deadline: TIMEOUT, and the host cancels the handler', async () => {
  const { client } = await withTest();
  const error = await rejectsWith(client.call('test.slow', { ms: 5000 }, { timeoutMs: 30 }), 'TIMEOUT');
  assert.match(error.message, /no response within 30 ms/);
  assert.equal(await client.call('sys.ping', {}), { data: '' });
  client.close();
});

test('host deadline: a request with deadlineMs gets TIMEOUT from the host', async () => {
  const { clientEnd, hostEnd, host } = await (async () => {
    const pair = await withTest();
    return { clientEnd: pair.clientEnd, hostEnd: pair.hostEnd, host: pair.host };
  })();
  const replies: ReturnType<typeof decodeFrame>[] = [];
  clientEnd.on('message', (frame) => replies.push(decodeFrame(frame)));
  const schema = testSchemas.message('test.v1.SlowRequest');
  const { encodeMessage } = await import('../../src/protocol/codec/binary.js');
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 9, request: { method: 'test.slow', payload: encodeMessage(schema, { ms: 5000 }), deadlineMs: 20 } }));
  await sleep(80);
  const reply = replies.find((r) => r.id === 9);
  assert.is(reply?.response?.error?.code, 8);
  host.close();
  void hostEnd;
});

test('AbortSignal cancels: CANCELLED on the client, the handler sees the abort', async () => {
  const { client, audit } = await withTest();
  const controller = new AbortController();
  const call = client.call('test.slow', { ms: 5000 }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 10);
  await rejectsWith(call, 'CANCELLED');
  await sleep(10);
  assert.equal(await client.call('sys.ping', {}), { data: '' });
  assert.ok(!audit.some((event) => event.kind === 'call' && event.method === 'test.slow' && event.code === 'OK'));
  await rejectsWith(client.call('test.slow', { ms: 1 }, { signal: controller.signal }), 'CANCELLED');
  client.close();
});

test('a Cancel frame from a raw client gets exactly one CANCELLED response', async () => {
  const { clientEnd } = await withTest();
  const replies: ReturnType<typeof decodeFrame>[] = [];
  clientEnd.on('message', (frame) => replies.push(decodeFrame(frame)));
  const { encodeMessage } = await import('../../src/protocol/codec/binary.js');
  const payload = encodeMessage(testSchemas.message('test.v1.SlowRequest'), { ms: 200 });
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 5, request: { method: 'test.slow', payload } }));
  await sleep(5);
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 5, cancel: { reason: 'stop' } }));
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 5, cancel: { reason: 'again' } }));
  await sleep(250);
  const forFive = replies.filter((r) => r.id === 5);
  assert.is(forFive.length, 1);
  assert.is(forFive[0]?.response?.error?.code, 9);
});

test('transport death rejects every pending call with CANCELLED and later calls too', async () => {
  const { client, hostEnd, host } = await withTest();
  const calls = [client.call('test.slow', { ms: 5000 }), client.call('test.slow', { ms: 5000 })];
  await sleep(5);
  hostEnd.close('host crashed');
  for (const call of calls) {
    const error = await rejectsWith(call, 'CANCELLED');
    assert.match(error.message, /connection closed/);
  }
  await rejectsWith(client.call('sys.ping', {}), 'CANCELLED');
  assert.is(host.openSessions, 0);
});

test('more calls in flight than the limit: RESOURCE_EXHAUSTED for the excess only', async () => {
  const { client } = await connectedPair({ services: [sysService(), testService()], client: { schemas: [testSchemas] }, limits: { maxInFlight: 3 } });
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.call('test.slow', { ms: 20 })));
  const codes = results.map((r) => (r.status === 'fulfilled' ? 'OK' : (r.reason as { code: string }).code));
  assert.equal(codes, ['OK', 'OK', 'OK', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
  client.close();
});

test('ids are unique among pending calls and never 0', async () => {
  const { client, clientEnd } = await withTest();
  const seen: number[] = [];
  const send = clientEnd.send.bind(clientEnd);
  clientEnd.send = (frame: Uint8Array) => {
    const envelope = decodeFrame(frame);
    if (envelope.request) seen.push(envelope.id ?? 0);
    send(frame);
  };
  await Promise.all(Array.from({ length: 20 }, () => client.call('sys.ping', {})));
  assert.is(new Set(seen).size, 20);
  assert.ok(!seen.includes(0));
  client.close();
});

test('a duplicate id in flight is refused without a second answer for the first call', async () => {
  const { clientEnd } = await withTest();
  const replies: ReturnType<typeof decodeFrame>[] = [];
  clientEnd.on('message', (frame) => replies.push(decodeFrame(frame)));
  const { encodeMessage } = await import('../../src/protocol/codec/binary.js');
  const payload = encodeMessage(testSchemas.message('test.v1.SlowRequest'), { ms: 30 });
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 3, request: { method: 'test.slow', payload } }));
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 3, request: { method: 'test.slow', payload } }));
  await sleep(80);
  const responses = replies.filter((r) => r.id === 3 && r.response);
  const errors = replies.filter((r) => r.id === 3 && r.error);
  assert.is(responses.length, 1);
  assert.is(responses[0]?.response?.payload !== undefined, true);
  assert.is(errors[0]?.error?.code, 3);
});

test.run();
