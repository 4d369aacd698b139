import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageChannel, Worker } from 'node:worker_threads';
import { Client } from '../../src/client/client.js';
import { Host } from '../../src/host/host.js';
import { sysService } from '../../src/host/sys-service.js';
import { decodeFrame } from '../../src/protocol/frame.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { MessagePortTransport } from '../../src/transport/message-port.js';
import { createStringChannelPair, StringTransport } from '../../src/transport/string-channel.js';
import { MAIN_ORIGIN, rejectsWith, sleep, tableAuthority } from '../helpers/rpc.js';

const newHost = () => new Host({ authority: tableAuthority({ [MAIN_ORIGIN]: ['sys.ping'] }), services: [sysService()] });
const test = suite('transports');

test('memory pair: frames arrive whole, copied, and close reaches the peer', async () => {
  const [a, b] = createMemoryPair();
  const got: Uint8Array[] = [];
  let closed = '';
  b.on('message', (frame) => got.push(frame));
  b.on('close', (reason) => (closed = reason));
  const frame = Uint8Array.from([1, 2, 3]);
  a.send(frame);
  frame[0] = 9;
  await sleep(1);
  assert.equal([...got[0]!], [1, 2, 3]);
  a.close('bye');
  await sleep(1);
  assert.match(closed, /peer closed: bye/);
  assert.ok(b.closed);
});

test('MessagePort: a client in this thread calls a host in a worker thread', async () => {
  const worker = new Worker(new URL('../fixtures/worker-host.mjs', import.meta.url), { workerData: { origin: MAIN_ORIGIN } });
  try {
    const client = await Client.connect(new MessagePortTransport(worker as never), { handshakeTimeoutMs: 20_000 });
    assert.is(client.welcome.origin, MAIN_ORIGIN);
    const big = Buffer.alloc(1 << 20, 7).toString('base64');
    assert.equal(await client.call('sys.ping', { data: big }), { data: big });
  } finally {
    await worker.terminate();
  }
});

test('MessagePort: non-binary messages count as garbage and get an error reply', async () => {
  const { port1, port2 } = new MessageChannel();
  const host = newHost();
  host.accept(new MessagePortTransport(port2), { origin: MAIN_ORIGIN });
  const replies: ReturnType<typeof decodeFrame>[] = [];
  port1.on('message', (data) => replies.push(decodeFrame(data as Uint8Array)));
  port1.postMessage({ not: 'bytes' });
  await sleep(20);
  assert.is(replies[0]?.error?.code, 6);
  assert.match(replies[0]?.error?.message ?? '', /expected binary frame/);
  host.close();
  port1.close();
});

test('MessagePort: closing one end rejects pending calls on the other', async () => {
  const { port1, port2 } = new MessageChannel();
  const host = newHost();
  const session = host.accept(new MessagePortTransport(port2), { origin: MAIN_ORIGIN });
  const client = await Client.connect(new MessagePortTransport(port1));
  session.close('host shutting down');
  await rejectsWith(client.call('sys.ping', {}), 'CANCELLED');
});

test('string channel: frames travel as base64 text, as in WKWebView/WebView2', async () => {
  const [pageSide, hostSide] = createStringChannelPair();
  const seen: string[] = [];
  const send = pageSide.send.bind(pageSide);
  pageSide.send = (text) => {
    seen.push(text);
    send(text);
  };
  newHost().accept(new StringTransport(hostSide), { origin: MAIN_ORIGIN });
  const client = await Client.connect(new StringTransport(pageSide));
  assert.equal(await client.call('sys.ping', { data: '3q2+7w==' }), { data: '3q2+7w==' });
  assert.ok(seen.length >= 2);
  for (const text of seen) assert.match(text, /^[A-Za-z0-9+/]+={0,2}$/);
  client.close();
});

test('string channel: invalid base64 and oversize text are garbage, answered with an error', async () => {
  const [pageSide, hostSide] = createStringChannelPair();
  const host = newHost();
  host.accept(new StringTransport(hostSide, 100), { origin: MAIN_ORIGIN });
  const replies: ReturnType<typeof decodeFrame>[] = [];
  const pageTransport = new StringTransport(pageSide);
  pageTransport.on('message', (frame) => replies.push(decodeFrame(frame)));
  pageSide.send('@@not base64@@');
  pageSide.send('A'.repeat(200));
  await sleep(5);
  assert.is(replies.length, 2);
  assert.match(replies[0]?.error?.message ?? '', /not valid base64/);
  assert.match(replies[1]?.error?.message ?? '', /200 characters exceeds the limit of 100/);
  host.close();
});

test.run();
