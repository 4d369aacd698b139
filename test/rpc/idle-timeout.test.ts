/**
 * Session idle timeout: a page that sends nothing while no call runs is
 * closed with a reason; capwire clients learn the timeout from the Welcome
 * and keep themselves alive; a long call is never cut for being quiet.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SESSION_LIMITS } from '../../src/protocol/limits.js';
import { waitFor } from '../helpers/processes.js';
import { MAIN_ORIGIN, connectedPair, sleep, tableAuthority, testSchemas, testService } from '../helpers/rpc.js';

const test = suite('idle timeout');

const IDLE_MS = 150;

test('the Welcome announces the idle timeout (default and configured)', async () => {
  const byDefault = await connectedPair();
  assert.is(byDefault.client.welcome.limits.idleTimeoutMs, DEFAULT_SESSION_LIMITS.idleTimeoutMs);
  assert.ok(DEFAULT_SESSION_LIMITS.idleTimeoutMs > 0, 'idle sessions are closed by default');
  byDefault.client.close();
  const configured = await connectedPair({ limits: { idleTimeoutMs: IDLE_MS } });
  assert.is(configured.client.welcome.limits.idleTimeoutMs, IDLE_MS);
  configured.client.close();
});

test('a silent peer is closed with an idle reason; another session is unaffected', async () => {
  const silent = await connectedPair({ limits: { idleTimeoutMs: IDLE_MS }, client: { keepAlive: false } });
  const other = await connectedPair({ limits: { idleTimeoutMs: 900 } });
  let closedWith = '';
  silent.clientEnd.on('close', (reason) => (closedWith = reason));
  assert.ok(await waitFor(() => closedWith !== '', 5000), 'the silent session was closed');
  assert.match(closedWith, /idle: no frame for \d+ ms \(idle timeout 150 ms\)/);
  assert.not.ok(silent.session.open);
  const audited = silent.audit.find((event) => event.kind === 'session-closed');
  assert.match(audited?.kind === 'session-closed' ? audited.reason : '', /idle/);
  // The other session kept itself alive with keep-alives and still answers.
  assert.ok(other.session.open);
  assert.equal(await other.client.call('sys.ping', { data: 'AQ==' }), { data: 'AQ==' });
  other.client.close();
});

test('a capwire client keeps an idle session open with keep-alives that get no answer', async () => {
  // A wider timeout here: keep-alives go every third of it, leaving room for a loaded machine's late timers.
  const idleMs = 900;
  const pair = await connectedPair({ limits: { idleTimeoutMs: idleMs } });
  const fromHost: Uint8Array[] = [];
  pair.clientEnd.on('message', (frame) => fromHost.push(frame));
  await sleep(idleMs * 3);
  assert.ok(pair.session.open, 'the session outlived three idle periods');
  assert.is(fromHost.length, 0, 'keep-alives are not answered');
  assert.not.ok(pair.audit.some((event) => event.kind === 'protocol-error'), 'keep-alives are not protocol errors');
  assert.equal(await pair.client.call('sys.ping', {}), { data: '' });
  pair.client.close();
});

test('a long quiet call is not idle; the clock restarts when it ends', async () => {
  const pair = await connectedPair({
    limits: { idleTimeoutMs: IDLE_MS },
    client: { keepAlive: false, schemas: [testSchemas] },
    authority: tableAuthority({ [MAIN_ORIGIN]: ['test.slow'] }),
    services: [testService()],
  });
  const started = Date.now();
  assert.equal(await pair.client.call('test.slow', { ms: IDLE_MS * 3 }), { cancelled: false });
  assert.ok(Date.now() - started >= IDLE_MS * 3);
  assert.ok(pair.session.open, 'a call in flight keeps the session');
  assert.ok(await waitFor(() => !pair.session.open, 5000), 'idle after the call ended');
});

test('idleTimeoutMs 0 disables the timeout', async () => {
  const pair = await connectedPair({ limits: { idleTimeoutMs: 0 }, client: { keepAlive: false } });
  assert.is(pair.client.welcome.limits.idleTimeoutMs, 0);
  await sleep(300);
  assert.ok(pair.session.open);
  pair.client.close();
});

test.run();
