import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Client } from '../../src/client/client.js';
import { Host } from '../../src/host/host.js';
import { sysService } from '../../src/host/sys-service.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { connectedPair, MAIN_ORIGIN, rejectsWith, sleep, tableAuthority, testSchemas, testService } from '../helpers/rpc.js';

const test = suite('handshake');

function hostWithTestService() {
  return new Host({ authority: tableAuthority({ [MAIN_ORIGIN]: ['sys.ping', 'test.slow'] }), services: [sysService(), testService()] });
}

test('negotiates version 1 and lists services, granted capabilities and the platform origin', async () => {
  const { client } = await connectedPair();
  assert.is(client.welcome.protocolVersion, 1);
  assert.is(client.welcome.origin, MAIN_ORIGIN);
  assert.equal(client.welcome.capabilities, ['sys.ping', 'test.fail', 'test.slow']);
  assert.equal(client.welcome.services, [{ name: 'capwire.v1.Sys', version: '1.0.0' }]);
  assert.is(client.welcome.limits.maxFrameBytes, 16 * 1024 * 1024);
  client.close();
});

test('picks the highest common version when the client offers several', async () => {
  const { client } = await connectedPair({ client: { protocolVersions: [7, 1, 3] } });
  assert.is(client.welcome.protocolVersion, 1);
  client.close();
});

test('no common version: UNSUPPORTED_VERSION naming what each side supports, session closed', async () => {
  const host = hostWithTestService();
  const [a, b] = createMemoryPair();
  host.accept(b, { origin: MAIN_ORIGIN });
  const error = await rejectsWith(Client.connect(a, { protocolVersions: [2, 3] }), 'UNSUPPORTED_VERSION');
  assert.match(error.message, /client offers 2, 3; host supports 1/);
  await sleep(5);
  assert.is(host.openSessions, 0);
});

test('service of the same major version is accepted', async () => {
  const host = hostWithTestService();
  const [a, b] = createMemoryPair();
  host.accept(b, { origin: MAIN_ORIGIN });
  const client = await Client.connect(a, { services: [{ name: 'test.v1.Test', version: '2.0.0' }], schemas: [testSchemas] });
  assert.ok(client.welcome.services.some((s) => s.name === 'test.v1.Test' && s.version === '2.1.0'));
  client.close();
});

for (const [wanted, pattern] of [
  ['3.0.0', /test.v1.Test 3.0.0 requested, host serves 2.1.0/],
  ['1.9.0', /test.v1.Test 1.9.0 requested, host serves 2.1.0/],
  ['banana', /banana requested/],
] as const) {
  test(`service version ${wanted} against 2.1.0: UNSUPPORTED_VERSION naming both`, async () => {
    const host = hostWithTestService();
    const [a, b] = createMemoryPair();
    host.accept(b, { origin: MAIN_ORIGIN });
    const error = await rejectsWith(Client.connect(a, { services: [{ name: 'test.v1.Test', version: wanted }] }), 'UNSUPPORTED_VERSION');
    assert.match(error.message, pattern);
  });
}

test('a service the host does not serve: UNSUPPORTED_VERSION', async () => {
  const host = hostWithTestService();
  const [a, b] = createMemoryPair();
  host.accept(b, { origin: MAIN_ORIGIN });
  const error = await rejectsWith(Client.connect(a, { services: [{ name: 'notes.v1.Notes', version: '1.0.0' }] }), 'UNSUPPORTED_VERSION');
  assert.match(error.message, /notes.v1.Notes is not served/);
});

test('a request before hello is refused with MALFORMED_MESSAGE and no handler runs', async () => {
  let ran = false;
  const service = sysService();
  const host = new Host({
    authority: tableAuthority({ [MAIN_ORIGIN]: ['sys.ping'] }),
    services: [{ descriptor: service.descriptor, handlers: { 'sys.ping': () => { ran = true; return {}; } } }],
  });
  const [a, b] = createMemoryPair();
  host.accept(b, { origin: MAIN_ORIGIN });
  const replies: ReturnType<typeof decodeFrame>[] = [];
  a.on('message', (frame) => replies.push(decodeFrame(frame)));
  a.send(encodeFrame({ protocolVersion: 1, id: 1, request: { method: 'sys.ping', payload: new Uint8Array(0) } }));
  await sleep(5);
  assert.is(ran, false);
  assert.is(replies[0]?.error?.code, 6);
  assert.match(replies[0]?.error?.message ?? '', /expected hello first, got request/);
});

test('the origin comes from accept(), and a client cannot claim another one', async () => {
  const { client } = await connectedPair({ origin: 'app://other', client: { clientName: 'app://main' } });
  assert.is(client.welcome.origin, 'app://other');
  assert.equal(client.welcome.capabilities, []);
  await rejectsWith(client.call('sys.ping', {}), 'PERMISSION_DENIED');
  client.close();
});

test('accept() without an origin is refused', () => {
  const host = hostWithTestService();
  const [, b] = createMemoryPair();
  assert.throws(() => host.accept(b, { origin: '' }), /platform must supply the origin/);
});

test('a client that never says hello is closed after the handshake timeout', async () => {
  const host = new Host({ authority: tableAuthority({}), services: [sysService()], limits: { handshakeTimeoutMs: 20 } });
  const [a, b] = createMemoryPair();
  let closed = '';
  a.on('close', (reason) => (closed = reason));
  host.accept(b, { origin: MAIN_ORIGIN });
  await sleep(60);
  assert.match(closed, /no hello within the handshake timeout/);
  assert.is(host.openSessions, 0);
});

test('a host that never answers hello: the client times out with TIMEOUT', async () => {
  const [a] = createMemoryPair();
  await rejectsWith(Client.connect(a, { handshakeTimeoutMs: 20 }), 'TIMEOUT');
});

test.run();
