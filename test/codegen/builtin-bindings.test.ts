// The committed built-in bindings (src/generated/services, made by capwire gen)
// drive a real host: typed client calls and a generated registration helper.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SYS_CAPABILITIES, SYS_SERVICE, SysClient, sysService } from '../../src/generated/services/capwire/v1/sys_capwire.js';
import { FS_CAPABILITIES } from '../../src/generated/services/capwire/v1/fs_capwire.js';
import { NetClient } from '../../src/generated/services/capwire/v1/net_capwire.js';
import { connectedPair, rejectsWith, tableAuthority } from '../helpers/rpc.js';

const test = suite('generated built-in bindings');

test('capability tables match the options in proto/', () => {
  assert.equal(SYS_CAPABILITIES, { 'sys.ping': 'sys.ping' });
  assert.equal(FS_CAPABILITIES, {
    'fs.readFile': 'fs.read', 'fs.stat': 'fs.read', 'fs.readDir': 'fs.read',
    'fs.writeFile': 'fs.write', 'fs.mkdir': 'fs.write', 'fs.remove': 'fs.write',
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

test('server streaming (net.connect) is an AsyncIterable; until the runtime has streams it rejects, CANCELLED once aborted', async () => {
  const { client } = await connectedPair();
  const net = new NetClient(client);
  const iterator = net.connect({ host: '127.0.0.1', port: 1 })[Symbol.asyncIterator]();
  await rejectsWith(iterator.next(), 'INTERNAL');
  const controller = new AbortController();
  controller.abort();
  await rejectsWith(net.connect({ host: '127.0.0.1', port: 1 }, { signal: controller.signal })[Symbol.asyncIterator]().next(), 'CANCELLED');
  client.close();
});

test.run();
