/**
 * WebSocket transport in Node: a `ws` server with a host behind it, clients over
 * real sockets. Covers frames, text messages as garbage, and the session rules
 * (abuse closes only the offending session; closing rejects pending calls).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { Client } from '../../src/client/client.js';
import { Host } from '../../src/host/host.js';
import type { Session } from '../../src/host/session.js';
import { sysService } from '../../src/host/sys-service.js';
import { decodeFrame, type Envelope } from '../../src/protocol/frame.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { MAIN_ORIGIN, rejectsWith, sleep, tableAuthority, testSchemas, testService } from '../helpers/rpc.js';

interface Rig {
  host: Host;
  url: string;
  sessions: Session[];
  close(): Promise<void>;
}

async function startRig(maxMalformedFrames = 3): Promise<Rig> {
  const host = new Host({
    authority: tableAuthority({ [MAIN_ORIGIN]: ['sys.ping', 'test.slow'] }),
    services: [sysService(), testService()],
    limits: { maxMalformedFrames },
  });
  const sessions: Session[] = [];
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: host.limits.maxFrameBytes });
  wss.on('connection', (socket) => sessions.push(host.accept(new WebSocketTransport(socket), { origin: MAIN_ORIGIN })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host,
    url: `ws://127.0.0.1:${port}/`,
    sessions,
    async close() {
      host.close();
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const connect = async (url: string) =>
  Client.connect(await WebSocketTransport.connect(url, { WebSocket }), { schemas: [testSchemas] });

/** A raw `ws` socket that records every frame the host sends it. */
async function rawSocket(url: string) {
  const socket = new WebSocket(url);
  const frames: Envelope[] = [];
  let closeCode = 0;
  socket.on('message', (data) => frames.push(decodeFrame(new Uint8Array(data as Buffer))));
  const closed = new Promise<void>((resolve) => socket.on('close', (code) => { closeCode = code; resolve(); }));
  await new Promise<void>((resolve, reject) => { socket.on('open', () => resolve()); socket.on('error', reject); });
  return { socket, frames, closed, get closeCode() { return closeCode; } };
}

const test = suite('websocket transport');

test('a client calls a host over a real WebSocket, 1 MiB payloads included', async () => {
  const rig = await startRig();
  try {
    const client = await connect(rig.url);
    assert.is(client.welcome.origin, MAIN_ORIGIN);
    assert.equal(await client.call('sys.ping', { data: 'aGk=' }), { data: 'aGk=' });
    const big = Buffer.alloc(1 << 20, 5).toString('base64');
    assert.equal(await client.call('sys.ping', { data: big }), { data: big });
    client.close();
  } finally {
    await rig.close();
  }
});

test('a text message is garbage: error reply, and repeated garbage closes the session', async () => {
  const rig = await startRig(2);
  try {
    const raw = await rawSocket(rig.url);
    raw.socket.send('hello?');
    await sleep(50);
    assert.is(raw.frames.length, 1);
    assert.ok(raw.frames[0]!.error);
    assert.match(raw.frames[0]!.error!.message ?? '', /expected a binary frame, got a text message/);
    raw.socket.send('again');
    raw.socket.send(Buffer.from([0xff, 0xff, 0xff]));
    await raw.closed;
    assert.is(rig.sessions[0]!.open, false);
    assert.is(rig.host.openSessions, 0);
  } finally {
    await rig.close();
  }
});

test('abuse closes only the offending session; a well-behaved one keeps working', async () => {
  const rig = await startRig(3);
  try {
    const good = await connect(rig.url);
    const slow = good.call('test.slow', { ms: 300 });
    const bad = await rawSocket(rig.url);
    for (let i = 0; i < 10; i++) bad.socket.send(Buffer.from([0x0a, 0xff, 0x01, i]));
    await bad.closed;
    assert.is(rig.host.openSessions, 1);
    assert.equal(await good.call('sys.ping', { data: 'b2s=' }), { data: 'b2s=' });
    assert.equal(await slow, { cancelled: false });
    assert.is(good.closed, false);
    good.close();
  } finally {
    await rig.close();
  }
});

test('an oversized message is refused by the socket before it is buffered; the session closes', async () => {
  const host = new Host({ authority: tableAuthority({}), services: [sysService()], limits: { maxFrameBytes: 1024 } });
  const server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: host.limits.maxFrameBytes });
  wss.on('connection', (socket) => host.accept(new WebSocketTransport(socket), { origin: MAIN_ORIGIN }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const raw = await rawSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    raw.socket.send(Buffer.alloc(4096));
    await raw.closed;
    assert.is(raw.closeCode, 1009); // message too big
    await sleep(10);
    assert.is(host.openSessions, 0);
  } finally {
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('closing a session on the host rejects the page\'s pending calls with CANCELLED', async () => {
  const rig = await startRig();
  try {
    const client = await connect(rig.url);
    const pending = [client.call('test.slow', { ms: 5_000 }), client.call('test.slow', { ms: 5_000 })];
    await sleep(30);
    assert.is(rig.sessions[0]!.callsInFlight, 2);
    rig.sessions[0]!.close('host shutting the page out');
    for (const call of pending) {
      const error = await rejectsWith(call, 'CANCELLED');
      assert.match(error.message, /host shutting the page out/);
    }
    await rejectsWith(client.call('sys.ping', {}), 'CANCELLED');
  } finally {
    await rig.close();
  }
});

test('closing the page aborts its calls on the host', async () => {
  const rig = await startRig();
  try {
    const client = await connect(rig.url);
    const pending = client.call('test.slow', { ms: 5_000 });
    await sleep(30);
    assert.is(rig.sessions[0]!.callsInFlight, 1);
    client.close('page navigated away');
    await rejectsWith(pending, 'CANCELLED');
    await sleep(50);
    assert.is(rig.sessions[0]!.open, false);
    assert.is(rig.sessions[0]!.callsInFlight, 0);
    assert.is(rig.host.openSessions, 0);
  } finally {
    await rig.close();
  }
});

test('a page that stops reading is cut off once the host has queued maxBufferedBytes', async () => {
  const closed: string[] = [];
  const host = new Host({
    authority: tableAuthority({ [MAIN_ORIGIN]: ['sys.ping'] }),
    services: [sysService()],
    onAudit: (event) => event.kind === 'session-closed' && closed.push(event.reason),
  });
  const server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: host.limits.maxFrameBytes });
  wss.on('connection', (socket) => host.accept(new WebSocketTransport(socket, { maxBufferedBytes: 2 << 20 }), { origin: MAIN_ORIGIN }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await new Promise<void>((resolve) => socket.on('open', () => resolve()));
  try {
    const client = await Client.connect(new WebSocketTransport(socket));
    (socket as unknown as { _socket: { pause(): void } })._socket.pause(); // the page stops reading
    const big = Buffer.alloc(1 << 20, 1).toString('base64');
    const calls = Array.from({ length: 40 }, () => client.call('sys.ping', { data: big }).catch((error: { code: string }) => error.code));
    for (let i = 0; i < 200 && host.openSessions > 0; i++) await sleep(25);
    assert.is(host.openSessions, 0);
    assert.match(closed[0] ?? '', /peer is not reading \(\d+ bytes queued, limit 2097152\)/);
    socket.terminate();
    for (const outcome of await Promise.all(calls)) assert.ok(outcome === 'CANCELLED' || typeof outcome === 'object', String(outcome));
  } finally {
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('connect() fails clearly when nothing listens', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    await WebSocketTransport.connect(`ws://127.0.0.1:${port}/`, { WebSocket });
    assert.unreachable('connected to a closed port');
  } catch (error) {
    assert.match((error as Error).message, /connection failed|closed before opening/);
  }
});

test.run();
