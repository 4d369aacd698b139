// The committed built-in bindings (src/generated/services, made by capwire gen)
// drive a real host: typed client calls and a generated registration helper.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SYS_CAPABILITIES, SYS_SERVICE, SysClient, sysService } from '../../src/generated/services/capwire/v1/sys_capwire.js';
import { FS_CAPABILITIES } from '../../src/generated/services/capwire/v1/fs_capwire.js';
import { NetClient } from '../../src/generated/services/capwire/v1/net_capwire.js';
import { FsClient } from '../../src/generated/services/capwire/v1/fs_capwire.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPolicyHost } from '../../src/host/create.js';
import { InProcessClients } from '../../src/host/in-process.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { connectedPair, MAIN_ORIGIN, rejectsWith, tableAuthority } from '../helpers/rpc.js';

const test = suite('generated built-in bindings');

test('capability tables match the options in proto/', () => {
  assert.equal(SYS_CAPABILITIES, { 'sys.ping': 'sys.ping' });
  assert.equal(FS_CAPABILITIES, {
    'fs.readFile': 'fs.read', 'fs.stat': 'fs.read', 'fs.readDir': 'fs.read',
    'fs.writeFile': 'fs.write', 'fs.mkdir': 'fs.write', 'fs.remove': 'fs.write', 'fs.readFileStream': 'fs.read',
  });
});

test('generated sysService + SysClient round-trip through a host, capability checked', async () => {
  const service = sysService({ ping: (request) => ({ data: request.data }) });
  const { client } = await connectedPair({ services: [service] });
  assert.equal(await new SysClient(client).ping({ data: 'aGk=' }), { data: 'aGk=' });
  assert.equal(client.welcome.services, [{ name: 'capwire.v1.Sys', version: '1.0.0', fingerprint: SYS_SERVICE.fingerprint }]);
  client.close();
  const denied = await connectedPair({ services: [service], authority: tableAuthority({}) });
  await rejectsWith(new SysClient(denied.client).ping({ data: '' }), 'PERMISSION_DENIED');
  denied.client.close();
});

test('a handler returning the wrong shape is INTERNAL, not garbage on the wire', async () => {
  const service = sysService({ ping: () => ({ data: 42 as unknown as string }) });
  const { client } = await connectedPair({ services: [service] });
  await rejectsWith(new SysClient(client).ping({}), 'INTERNAL');
  client.close();
});

test('server streaming through generated clients: fs.readFileStream yields chunks; net.connect denied; CANCELLED once aborted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capwire-bindings-'));
  const bridge = createPolicyHost({
    policy: parsePolicy({ version: 1, grants: [{ capability: 'fs.read', origins: [MAIN_ORIGIN], paths: ['.'] }] }, dir),
  });
  try {
    writeFileSync(join(dir, 'f.bin'), Buffer.alloc(10_000, 5));
    const client = await new InProcessClients(bridge.host).clientFor(MAIN_ORIGIN);
    const chunks: number[] = [];
    for await (const chunk of new FsClient(client).readFileStream({ path: join(dir, 'f.bin'), chunkBytes: 4096 })) chunks.push(Buffer.from(chunk.data, 'base64').length);
    assert.equal(chunks, [4096, 4096, 1808]);
    const net = new NetClient(client);
    await rejectsWith(net.connect({ host: '127.0.0.1', port: 1 })[Symbol.asyncIterator]().next(), 'PERMISSION_DENIED');
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(net.connect({ host: '127.0.0.1', port: 1 }, { signal: controller.signal })[Symbol.asyncIterator]().next(), 'CANCELLED');
    client.close();
  } finally {
    bridge.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
