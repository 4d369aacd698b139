// fs.readFileStream end to end (client -> frames -> host -> native per chunk):
// a 100 MiB file streams with bounded memory, and cancelling mid-stream stops
// the host's reads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, mkdtempSync, openSync, rmSync, symlinkSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createPolicyHost, type PolicyHost } from '../../src/host/create.js';
import { InProcessClients } from '../../src/host/in-process.js';
import { parsePolicy } from '../../src/policy/policy.js';
import type { AuditEvent } from '../../src/host/session.js';
import { rejectsWith } from '../helpers/rpc.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const retained = () => {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

const ORIGIN = 'app://main';
const MiB = 1024 * 1024;
const test = suite('fs.readFileStream');
const dir = mkdtempSync(join(tmpdir(), 'capwire-stream-'));
let bridge: PolicyHost;
let clients: InProcessClients;
const audit: AuditEvent[] = [];

test.before(() => {
  const fd = openSync(join(dir, 'big.bin'), 'w');
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < 100; i++) {
    block.fill(i);
    writeSync(fd, block);
  }
  closeSync(fd);
  bridge = createPolicyHost({
    policy: parsePolicy({ version: 1, grants: [{ capability: 'fs.read', origins: [ORIGIN], paths: ['data', '.'] }], deny: [{ capability: 'fs.read', origins: ['*'], paths: ['secret'] }] }, dir),
    onAudit: (event) => audit.push(event),
  });
  clients = new InProcessClients(bridge.host);
});
test.after(async () => {
  await clients.closeAll();
  bridge.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a 100 MiB file streams in 1 MiB chunks with bounded memory, bytes intact', async () => {
  const client = await clients.clientFor(ORIGIN);
  const baseline = retained();
  let peak = 0;
  let bytes = 0;
  let chunks = 0;
  for await (const chunk of client.stream('fs.readFileStream', { path: join(dir, 'big.bin') }, { timeoutMs: 120_000 })) {
    const data = Buffer.from(chunk['data'] as string, 'base64');
    assert.is(data[0], Math.floor(bytes / MiB), `chunk ${chunks} content`);
    bytes += data.length;
    chunks++;
    if (chunks % 10 === 0) peak = Math.max(peak, retained() - baseline);
  }
  assert.is(bytes, 100 * MiB);
  assert.is(chunks, 100);
  console.log(`  streamed 100 MiB in ${chunks} chunks; peak retained growth ${(peak / MiB).toFixed(1)} MiB`);
  assert.ok(peak < 40 * MiB, `retained memory grew by ${(peak / MiB).toFixed(1)} MiB`);
});

test('cancelling mid-stream stops the reads on the host', async () => {
  const client = await clients.clientFor(ORIGIN);
  const controller = new AbortController();
  let seen = 0;
  await rejectsWith(
    (async () => {
      for await (const _ of client.stream('fs.readFileStream', { path: join(dir, 'big.bin') }, { signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    })(),
    'CANCELLED',
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const call = audit.filter((e) => e.kind === 'call' && e.method === 'fs.readFileStream').at(-1);
  assert.is(call?.kind === 'call' ? call.code : undefined, 'CANCELLED');
  assert.ok(seen < 20);
});

test('each chunk is checked again: a directory link retargeted outside mid-stream ends the stream with PERMISSION_DENIED', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  // data -> data-real (inside the root) is swapped atomically for data -> outside: a
  // rename over a symlink leaves no moment without "data", so the next chunk's
  // native resolution always sees one link or the other (a directory rename
  // would leave a NOT_FOUND window for a read already running on the pool).
  mkdirSync(join(dir, 'data-real'));
  symlinkSync('data-real', join(dir, 'data'));
  mkdirSync(join(dir, '..', `${dir.split('/').at(-1)}-outside`), { recursive: true });
  const outside = join(dir, '..', `${dir.split('/').at(-1)}-outside`);
  // More 1 MiB chunks than the initial credit (8), so the host cannot have read them all before the swap.
  writeFileSync(join(outside, 'f.bin'), Buffer.alloc(12 * MiB, 9));
  writeFileSync(join(dir, 'data-real', 'f.bin'), Buffer.alloc(12 * MiB, 1));
  const client = await clients.clientFor(ORIGIN);
  const seen: number[] = [];
  const error = await rejectsWith(
    (async () => {
      for await (const chunk of client.stream('fs.readFileStream', { path: join(dir, 'data', 'f.bin') })) {
        seen.push(Buffer.from(chunk['data'] as string, 'base64')[0]!);
        if (seen.length === 1) {
          symlinkSync(outside, join(dir, 'data-swap'));
          renameSync(join(dir, 'data-swap'), join(dir, 'data'));
        }
      }
    })(),
    'PERMISSION_DENIED',
  );
  assert.match(error.message, /fs.read denied/);
  assert.not.ok(seen.includes(9), 'no byte from outside the root');
  rmSync(outside, { recursive: true, force: true });
});

test('a zero-length stream of a denied path is denied, not an empty success (found by capwire fuzz)', async () => {
  const client = await clients.clientFor(ORIGIN);
  const collect = async (params: object) => {
    const out: unknown[] = [];
    for await (const chunk of client.stream('fs.readFileStream', params)) out.push(chunk);
    return out;
  };
  await rejectsWith(collect({ path: '/etc/passwd', length: '0' }), 'PERMISSION_DENIED');
  await rejectsWith(collect({ path: join(dir, 'secret', 'x'), length: '0' }), 'PERMISSION_DENIED');
  assert.equal(await collect({ path: join(dir, 'big.bin'), length: '0' }), []);
});

test.run();
