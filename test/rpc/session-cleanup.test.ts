// A closed session leaves nothing behind: over a real WebSocket, with the real
// policy engine, a page that goes away mid process.spawn or mid
// process.spawnStream gets its programs killed (process group included), and
// opening and dropping many sessions returns the host's fd table to where it was.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket, WebSocketServer } from 'ws';
import { Client } from '../../src/client/client.js';
import { createPolicyHost, type PolicyHost } from '../../src/host/create.js';
import type { AuditEvent } from '../../src/host/session.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { openFds, processAlive, waitFor } from '../helpers/processes.js';
import { rejectsWith, sleep } from '../helpers/rpc.js';

const ORIGIN = 'app://main';
const test = suite('session cleanup');
const dir = mkdtempSync(join(tmpdir(), 'capwire-cleanup-'));
let bridge: PolicyHost;
let server: Server;
let wss: WebSocketServer;
let url: string;
const audit: AuditEvent[] = [];

test.before(async () => {
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
  bridge = createPolicyHost({
    policy: parsePolicy({
      version: 1,
      grants: [
        { capability: 'fs.read', origins: [ORIGIN], paths: ['.'] },
        { capability: 'process.spawn', origins: [ORIGIN], programs: ['/bin/sh', '/bin/echo'] },
      ],
    }, dir),
    engineLimits: { defaultSpawnTimeoutMs: 60_000 },
    onAudit: (event) => audit.push(event),
  });
  server = createServer();
  wss = new WebSocketServer({ server, maxPayload: bridge.host.limits.maxFrameBytes });
  wss.on('connection', (socket) => bridge.host.accept(new WebSocketTransport(socket), { origin: ORIGIN }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.after(async () => {
  bridge.close();
  for (const socket of wss.clients) socket.terminate();
  wss.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const connect = async () => Client.connect(await WebSocketTransport.connect(url, { WebSocket }));

const text = (base64: unknown) => Buffer.from(String(base64 ?? ''), 'base64').toString();

/** Starts `sh -c script` as a stream and returns its pid, which the script prints first on stderr. */
async function streamedPid(client: Client, script: string) {
  const iterator = client.stream('process.spawnStream', { program: '/bin/sh', args: ['-c', `echo $$ >&2; ${script}`] }, { timeoutMs: 60_000 })[Symbol.asyncIterator]();
  let stderr = '';
  while (!stderr.endsWith('\n')) {
    const next = await iterator.next();
    assert.not.ok(next.done, 'the stream printed its pid');
    stderr += text(next.value['stderr']);
  }
  return { pid: Number(stderr.trim()), iterator };
}

test('process.spawnStream streams output as it is produced, then the exit code', async () => {
  const client = await connect();
  const messages: Record<string, unknown>[] = [];
  const arrivedAt: number[] = [];
  const began = Date.now();
  for await (const message of client.stream('process.spawnStream', { program: '/bin/sh', args: ['-c', 'echo one; sleep 0.3; echo two >&2; exit 4'] })) {
    messages.push(message);
    arrivedAt.push(Date.now() - began);
  }
  client.close();
  assert.is(messages.map((m) => text(m['stdout'])).join(''), 'one\n');
  assert.is(messages.map((m) => text(m['stderr'])).join(''), 'two\n');
  assert.is(messages.at(-1)!['exitCode'], 4);
  assert.ok(messages.slice(0, -1).every((m) => m['exitCode'] === undefined), 'only the last message carries the exit');
  assert.ok(arrivedAt[0]! < 250, `"one" arrived before the program ended (${arrivedAt[0]} ms)`);
});

test('process.spawnStream of a program not granted: PERMISSION_DENIED, nothing runs', async () => {
  const client = await connect();
  const stream = client.stream('process.spawnStream', { program: '/usr/bin/id' });
  await rejectsWith((async () => { for await (const _ of stream) assert.unreachable('no output'); })(), 'PERMISSION_DENIED');
  client.close();
});

test('a page that disconnects mid process.spawn gets its program and the program\'s children killed', async () => {
  const client = await connect();
  const pidFile = join(dir, 'spawn.pid');
  const call = client.call('process.spawn', { program: '/bin/sh', args: ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], timeoutMs: 60_000 });
  assert.ok(await waitFor(() => readFileSync(pidFile, { flag: 'a+' }).toString().endsWith('\n'), 5000));
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(processAlive(grandchild));
  client.close('page navigated away');
  await rejectsWith(call, 'CANCELLED');
  assert.ok(await waitFor(() => !processAlive(grandchild), 3000), 'the sleep started by the program is gone');
});

test('a page that disconnects mid process.spawnStream gets the program killed', async () => {
  const client = await connect();
  const { pid } = await streamedPid(client, 'exec sleep 30');
  assert.ok(processAlive(pid));
  client.close('page navigated away');
  assert.ok(await waitFor(() => !processAlive(pid), 3000));
});

test('a page that stops reading stops the program at a full pipe; cancelling kills it', async () => {
  const client = await connect();
  const { pid, iterator } = await streamedPid(client, 'exec head -c 1000000000 /dev/zero');
  await sleep(500);
  // 1 GB asked for; credit (8 chunks of 64 KiB) plus the pipe is all that may be produced.
  assert.ok(processAlive(pid), 'still running: it waits for the page');
  assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /^\d+ \(head\) S /, 'blocked writing to the full pipe');
  const ioFile = readFileSync(`/proc/${pid}/io`, 'utf8');
  const written = Number(/wchar: (\d+)/.exec(ioFile)?.[1]);
  assert.ok(written < 4 * 1024 * 1024, `the program wrote only ${written} bytes without a reader`);
  await iterator.return?.();
  assert.ok(await waitFor(() => !processAlive(pid), 3000), 'cancel killed it');
  client.close();
});

test('100 sessions dropped mid-stream leave no fd and no program behind', async () => {
  // Warm up once: the first session may open fds that live for the process.
  const warm = await connect();
  await warm.call('fs.readFile', { path: join(dir, 'big.bin'), length: 1 });
  warm.close();
  await waitFor(() => bridge.host.openSessions === 0, 3000);
  await sleep(100);
  const before = openFds();
  const pids: number[] = [];
  for (let i = 0; i < 100; i++) {
    const client = await connect();
    const reading = client.stream('fs.readFileStream', { path: join(dir, 'big.bin'), chunkBytes: 65536 })[Symbol.asyncIterator]();
    assert.ok((await reading.next()).value, 'the file stream started');
    const { pid } = await streamedPid(client, 'exec sleep 30');
    pids.push(pid);
    const call = client.call('process.spawn', { program: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 60_000 });
    call.catch(() => undefined);
    client.close('dropped');
  }
  assert.ok(await waitFor(() => bridge.host.openSessions === 0, 5000), 'every session closed');
  assert.ok(await waitFor(() => pids.every((pid) => !processAlive(pid)), 5000), 'every streamed program is gone');
  assert.ok(await waitFor(() => openFds() <= before, 5000), `fds back to ${before} (now ${openFds()})`);
  const closed = audit.filter((event) => event.kind === 'session-closed').length;
  assert.ok(closed >= 101, `every session was audited as closed (${closed})`);
});

test.run();
