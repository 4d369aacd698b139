// The native binding through openEngine/call: every operation inside scope,
// denials with messages and audit records, limits, atomic writes, spawn.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type NativeEngine, type NativeOutcome, nativeAvailable, openEngine } from '../../src/native/binding.js';
import { type PolicyRule, encodePolicyBlob } from '../../src/native/policy-blob.js';

const MAIN = 'app://main';

function ok(o: NativeOutcome): Record<string, unknown> {
  if (o.code !== 'OK') throw new Error(`expected OK, got ${o.code}: ${o.message}`);
  return o.result;
}

function err(o: NativeOutcome): { code: string; message: string; audit?: { origin: string; capability: string; request: string; wouldAllow: string } } {
  if (o.code === 'OK') throw new Error(`expected an error, got OK ${JSON.stringify(o.result)}`);
  return o;
}

function workspace() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'capwire-engine-')));
  for (const d of ['data', 'data/sub', 'data/out', 'data/private', 'outside', 'ro']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'data/a.txt'), 'hello world');
  writeFileSync(join(root, 'data/private/p.txt'), 'PRIVATE');
  writeFileSync(join(root, 'data/out/keep.txt'), 'original');
  writeFileSync(join(root, 'outside/secret.txt'), 'SECRET');
  symlinkSync('../outside/secret.txt', join(root, 'data/escape'));
  const rules: PolicyRule[] = [
    { effect: 'grant', origin: MAIN, capability: 'fs.read', scopeKind: 'path', scopeValue: join(root, 'data') },
    { effect: 'grant', origin: MAIN, capability: 'fs.write', scopeKind: 'path', scopeValue: join(root, 'data/out') },
    { effect: 'deny', origin: '*', capability: 'fs.read', scopeKind: 'path', scopeValue: join(root, 'data/private') },
    { effect: 'grant', origin: '*', capability: 'env.read', scopeKind: 'name', scopeValue: 'CAPWIRE_ENGINE_TEST' },
    { effect: 'grant', origin: MAIN, capability: 'os.info', scopeKind: 'none', scopeValue: '' },
    { effect: 'grant', origin: MAIN, capability: 'notes.write', scopeKind: 'none', scopeValue: '' },
    { effect: 'grant', origin: MAIN, capability: 'process.spawn', scopeKind: 'program', scopeValue: '/bin/sh' },
    { effect: 'grant', origin: MAIN, capability: 'process.spawn', scopeKind: 'program', scopeValue: '/bin/echo' },
    { effect: 'grant', origin: MAIN, capability: 'net.connect', scopeKind: 'host', scopeValue: '127.0.0.1:8080' },
  ];
  return { root, rules, p: (rel: string) => join(root, rel), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------- loading

const load = suite('openEngine');

load('the addon is available', () => {
  assert.ok(nativeAvailable());
});

load('a bad blob throws an Error with code INVALID_ARGUMENT', () => {
  for (const blob of [new Uint8Array(0), new Uint8Array([1, 2, 3]), new TextEncoder().encode('CPWP....')]) {
    try {
      openEngine(blob);
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, Error);
      assert.is((e as { code?: string }).code, 'INVALID_ARGUMENT');
      assert.match((e as Error).message, 'policy blob');
    }
  }
  try {
    openEngine('not bytes' as unknown as Uint8Array);
    assert.unreachable('should throw');
  } catch (e) {
    assert.is((e as { code?: string }).code, 'INVALID_ARGUMENT');
  }
});

load('encodePolicyBlob rejects bad limits; truncated blobs never load', () => {
  assert.throws(() => encodePolicyBlob([], { maxReadBytes: -1 }), /maxReadBytes/);
  const good = encodePolicyBlob([{ effect: 'grant', origin: MAIN, capability: 'os.info', scopeKind: 'none', scopeValue: '' }]);
  openEngine(good).close();
  for (let n = 0; n < good.length; n++) {
    assert.throws(() => openEngine(good.subarray(0, n)), /policy blob/);
  }
});

load('scope kind must agree with the capability', () => {
  const blob = encodePolicyBlob([{ effect: 'grant', origin: MAIN, capability: 'fs.read', scopeKind: 'none', scopeValue: '' }]);
  assert.throws(() => openEngine(blob), /needs scope kind path/);
});

load.run();

// ---------------------------------------------------------------- operations

const ops = suite('operations');
let w: ReturnType<typeof workspace>;
let e: NativeEngine;
ops.before(() => {
  w = workspace();
  e = openEngine(encodePolicyBlob(w.rules, { maxWriteBytes: 1024, maxReadBytes: 4096, maxSpawnOutputBytes: 2048 }));
});
ops.after(() => {
  e.close();
  w.cleanup();
});

ops('fs.readFile returns bytes; offset/length; cap -> PAYLOAD_TOO_LARGE', async () => {
  const r = ok(await e.call(MAIN, 'fs.readFile', { path: w.p('data/a.txt') }));
  assert.instance(r.data, Uint8Array);
  assert.is(Buffer.from(r.data as Uint8Array).toString(), 'hello world');
  const part = ok(await e.call(MAIN, 'fs.readFile', { path: w.p('data/a.txt'), offset: 6, length: 5 }));
  assert.is(Buffer.from(part.data as Uint8Array).toString(), 'world');
  writeFileSync(w.p('data/big.bin'), Buffer.alloc(5000));
  assert.is(err(await e.call(MAIN, 'fs.readFile', { path: w.p('data/big.bin') })).code, 'PAYLOAD_TOO_LARGE');
  const slice = ok(await e.call(MAIN, 'fs.readFile', { path: w.p('data/big.bin'), offset: 1000, length: 4096 }));
  assert.is((slice.data as Uint8Array).length, 4000);
});

ops('fs.stat and fs.readDir', async () => {
  const st = ok(await e.call(MAIN, 'fs.stat', { path: w.p('data/a.txt') }));
  assert.is(st.size, 11);
  assert.is(st.isFile, true);
  assert.is(st.isDirectory, false);
  assert.ok(Math.abs((st.mtimeMs as number) - Date.now()) < 60_000);
  const dir = ok(await e.call(MAIN, 'fs.readDir', { path: w.p('data') }));
  assert.equal(dir.entries, [
    { name: 'a.txt', isFile: true, isDirectory: false },
    { name: 'big.bin', isFile: true, isDirectory: false },
    { name: 'escape', isFile: false, isDirectory: false },
    { name: 'out', isFile: false, isDirectory: true },
    { name: 'private', isFile: false, isDirectory: false },
    { name: 'sub', isFile: false, isDirectory: true },
  ]);
});

ops('denials: code, message, audit record', async () => {
  const evil = err(await e.call('app://evil', 'fs.readFile', { path: w.p('data/a.txt') }));
  assert.is(evil.code, 'PERMISSION_DENIED');
  assert.is(
    evil.message,
    `fs.read denied for origin "app://evil": ${w.p('data/a.txt')} is not covered by a fs.read grant for this origin ` +
      `(add {"capability":"fs.read","origins":["app://evil"],"paths":["${w.p('data/a.txt')}"]} to the manifest)`,
  );
  assert.equal(evil.audit, {
    origin: 'app://evil',
    capability: 'fs.read',
    request: `fs.readFile ${w.p('data/a.txt')}`,
    wouldAllow: `{"capability":"fs.read","origins":["app://evil"],"paths":["${w.p('data/a.txt')}"]}`,
  });
  const priv = err(await e.call(MAIN, 'fs.readFile', { path: w.p('data/private/p.txt') }));
  assert.match(priv.message, 'deny entries win over grants');
  assert.is(priv.audit?.capability, 'fs.read');
  const esc = err(await e.call(MAIN, 'fs.readFile', { path: w.p('data/escape') }));
  assert.is(esc.code, 'PERMISSION_DENIED');
  assert.match(esc.message, 'resolves outside the granted directory');
  assert.not.match(esc.message, 'SECRET');
  const write = err(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/new.txt'), data: new Uint8Array(1) }));
  assert.match(write.message, `"paths":["${w.p('data')}"]`);
});

ops('fs.writeFile is atomic: failures leave the old content intact', async () => {
  const r = ok(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/keep.txt'), data: Buffer.from('v2') }));
  assert.is(r.bytesWritten, 2);
  assert.is(readFileSync(w.p('data/out/keep.txt'), 'utf8'), 'v2');
  ok(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/keep.txt'), data: Buffer.from('+3'), append: true }));
  assert.is(readFileSync(w.p('data/out/keep.txt'), 'utf8'), 'v2+3');
  // Too large: refused before anything is touched.
  const big = err(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/keep.txt'), data: new Uint8Array(2000) }));
  assert.is(big.code, 'PAYLOAD_TOO_LARGE');
  const bigAppend = err(
    await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/keep.txt'), data: new Uint8Array(1023), append: true }),
  );
  assert.is(bigAppend.code, 'PAYLOAD_TOO_LARGE');
  assert.is(readFileSync(w.p('data/out/keep.txt'), 'utf8'), 'v2+3');
  // Target is a directory: the rename would fail; nothing is left behind.
  mkdirSync(w.p('data/out/adir'));
  assert.is(err(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/adir'), data: Buffer.from('x') })).code, 'INVALID_ARGUMENT');
  // Read-only directory (only meaningful when not running as root).
  if (process.getuid?.() !== 0) {
    chmodSync(w.p('data/out'), 0o555);
    const ro = err(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/keep.txt'), data: Buffer.from('lost') }));
    chmodSync(w.p('data/out'), 0o755);
    assert.is(ro.code, 'IO_ERROR');
    assert.match(ro.message, /^fs\.writeFile .*: creating a temporary file: /);
    assert.is(readFileSync(w.p('data/out/keep.txt'), 'utf8'), 'v2+3');
  }
  assert.equal(readdirSync(w.p('data/out')).filter((n) => n.startsWith('.capwire-tmp')), []);
});

ops('fs.mkdir and fs.remove', async () => {
  ok(await e.call(MAIN, 'fs.mkdir', { path: w.p('data/out/d') }));
  assert.ok(existsSync(w.p('data/out/d')));
  assert.is(err(await e.call(MAIN, 'fs.mkdir', { path: w.p('data/out/d') })).code, 'IO_ERROR');
  ok(await e.call(MAIN, 'fs.remove', { path: w.p('data/out/d') }));
  assert.not.ok(existsSync(w.p('data/out/d')));
  symlinkSync('../a.txt', w.p('data/out/lnk'));
  ok(await e.call(MAIN, 'fs.remove', { path: w.p('data/out/lnk') }));
  assert.ok(existsSync(w.p('data/a.txt')));
  assert.is(err(await e.call(MAIN, 'fs.remove', { path: w.p('data/out/none') })).code, 'NOT_FOUND');
});

ops('env.get: only granted names; reads the live environment', async () => {
  process.env.CAPWIRE_ENGINE_TEST = 'one';
  assert.equal(ok(await e.call('app://x', 'env.get', { name: 'CAPWIRE_ENGINE_TEST' })), { present: true, value: 'one' });
  delete process.env.CAPWIRE_ENGINE_TEST;
  assert.equal(ok(await e.call('app://x', 'env.get', { name: 'CAPWIRE_ENGINE_TEST' })), { present: false });
  for (const name of ['PATH', 'capwire_engine_test', 'CAPWIRE_ENGINE_TEST_X', 'CAPWIRE_ENGINE']) {
    const d = err(await e.call('app://x', 'env.get', { name }));
    assert.is(d.code, 'PERMISSION_DENIED');
    assert.is(d.audit?.request, `env.get ${name}`);
    assert.match(d.message, `"names":["${name}"]`);
  }
});

ops('os.info', async () => {
  const info = ok(await e.call(MAIN, 'os.info', {}));
  assert.is(info.platform, 'linux');
  assert.is(info.arch, arch());
  assert.type(info.release, 'string');
  assert.type(info.hostname, 'string');
  assert.is(err(await e.call('app://other', 'os.info', {})).code, 'PERMISSION_DENIED');
});

ops('process.spawn: output, stdin, exit codes, signals, minimal env', async () => {
  const echo = ok(await e.call(MAIN, 'process.spawn', { program: '/bin/echo', args: ['a', 'b c'] }));
  assert.is(Buffer.from(echo.stdout as Uint8Array).toString(), 'a b c\n');
  assert.is(echo.exitCode, 0);
  assert.is(echo.signal, undefined);
  const sh = ok(
    await e.call(MAIN, 'process.spawn', {
      program: '/bin/sh',
      args: ['-c', 'cat; echo "$PATH|$LANG|${HOME:-unset}" >&2; exit 7'],
      stdin: Buffer.from('piped'),
    }),
  );
  assert.is(Buffer.from(sh.stdout as Uint8Array).toString(), 'piped');
  assert.is(Buffer.from(sh.stderr as Uint8Array).toString(), '/usr/bin:/bin|C.UTF-8|unset\n');
  assert.is(sh.exitCode, 7);
  const killed = ok(await e.call(MAIN, 'process.spawn', { program: '/bin/sh', args: ['-c', 'kill -KILL $$'] }));
  assert.is(killed.signal, 'SIGKILL');
  const big = err(await e.call(MAIN, 'process.spawn', { program: '/bin/sh', args: ['-c', 'head -c 10000 /dev/zero'] }));
  assert.is(big.code, 'PAYLOAD_TOO_LARGE');
  assert.match(big.message, 'stdout exceeded 2048 bytes');
});

ops('process.spawn: timeout kills the whole process group and does not block the event loop', async () => {
  const marker = join(w.root, 'grandchild-survived');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = Date.now();
  const o = await e.call(MAIN, 'process.spawn', {
    program: '/bin/sh',
    args: ['-c', `(sleep 1; touch ${marker}) & sleep 20`],
    timeoutMs: 300,
  });
  clearInterval(timer);
  const elapsed = Date.now() - started;
  assert.is(err(o).code, 'TIMEOUT');
  assert.match(err(o).message, 'timed out after 300 ms');
  assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  assert.ok(ticks >= 10, `event loop ticked only ${ticks} times while the child ran`);
  await new Promise((r) => setTimeout(r, 1300));
  assert.not.ok(existsSync(marker), 'the background grandchild was killed with the group');
});

ops('net.connect: policy check only', async () => {
  const granted = err(await e.call(MAIN, 'net.connect', { host: '127.0.0.1', port: 8080 }));
  assert.is(granted.code, 'UNKNOWN_METHOD');
  assert.is(granted.message, 'net.connect streams are not implemented yet');
  const denied = err(await e.call(MAIN, 'net.connect', { host: '127.0.0.1', port: 9999 }));
  assert.is(denied.code, 'PERMISSION_DENIED');
  assert.match(denied.message, '"hosts":["127.0.0.1:9999"]');
});

ops('check(): pure decisions incl. custom capabilities', () => {
  assert.is(e.check(MAIN, 'notes.write').code, 'OK');
  const d = e.check('app://evil', 'notes.write');
  assert.is(d.code, 'PERMISSION_DENIED');
  assert.is(err(d).audit?.wouldAllow, '{"capability":"notes.write","origins":["app://evil"]}');
  assert.is(e.check(MAIN, 'fs.read', w.p('data/x/y')).code, 'OK');
  assert.is(e.check(MAIN, 'fs.read', w.p('data-evil')).code, 'PERMISSION_DENIED');
  assert.is(e.check(MAIN, 'fs.read', w.p('data/private/x')).code, 'PERMISSION_DENIED');
  assert.is(e.check(MAIN, 'fs.read').code, 'INVALID_ARGUMENT');
  assert.is(e.check(MAIN, 'env.read', 'CAPWIRE_ENGINE_TEST').code, 'OK');
});

ops('bad shapes and unknown methods resolve to outcomes, never reject', async () => {
  assert.is(err(await e.call(MAIN, 'fs.nope', {})).code, 'UNKNOWN_METHOD');
  assert.is(err(await e.call(MAIN, 'fs.readFile', { path: 1 })).code, 'INVALID_ARGUMENT');
  assert.is(err(await e.call(MAIN, 'fs.readFile', { path: w.p('data/a.txt'), extra: 1 })).code, 'INVALID_ARGUMENT');
  assert.is(err(await e.call(MAIN, 'fs.readFile', [] as unknown as Record<string, unknown>)).code, 'INVALID_ARGUMENT');
  assert.is(err(await (e.call as (...a: unknown[]) => Promise<NativeOutcome>)(MAIN)).code, 'INVALID_ARGUMENT');
  assert.is(err(await e.call(MAIN, 'fs.writeFile', { path: w.p('data/out/x'), data: [1, 2] })).code, 'INVALID_ARGUMENT');
});

ops('concurrent calls run off the main thread and all complete', async () => {
  const calls = Array.from({ length: 200 }, (_, i) =>
    e.call(MAIN, i % 2 ? 'fs.readFile' : 'fs.stat', { path: w.p('data/a.txt') }),
  );
  const results = await Promise.all(calls);
  assert.ok(results.every((r) => r.code === 'OK'));
});

ops.run();

// ---------------------------------------------------------------- lifecycle

const life = suite('close');

life('close releases the engine; later calls give INTERNAL; in-flight calls finish', async () => {
  const ws = workspace();
  try {
    const eng = openEngine(encodePolicyBlob(ws.rules));
    const inflight = eng.call(MAIN, 'fs.readFile', { path: ws.p('data/a.txt') });
    eng.close();
    assert.is((await inflight).code, 'OK');
    assert.is((await eng.call(MAIN, 'fs.readFile', { path: ws.p('data/a.txt') })).code, 'INTERNAL');
    assert.is(eng.check(MAIN, 'os.info').code, 'INTERNAL');
    eng.close();
  } finally {
    ws.cleanup();
  }
});

life('a grant root missing at load is inert and reported', () => {
  const eng = openEngine(
    encodePolicyBlob([{ effect: 'grant', origin: MAIN, capability: 'fs.read', scopeKind: 'path', scopeValue: '/nonexistent/capwire' }]),
  );
  assert.equal([...eng.inertRoots], ['/nonexistent/capwire']);
  const d = eng.check(MAIN, 'fs.read', '/nonexistent/capwire/x');
  assert.is(d.code, 'PERMISSION_DENIED');
  assert.match(err(d).message, 'did not exist when the policy was loaded');
  eng.close();
});

life('CAPWIRE_FORCE_NO_OPENAT2=1 and the blob flag select the fallback resolver', () => {
  const blob = encodePolicyBlob([]);
  assert.is(openEngine(blob).resolver, 'openat2');
  assert.is(openEngine(encodePolicyBlob([], {}, { forceNoOpenat2: true })).resolver, 'fallback');
  process.env.CAPWIRE_FORCE_NO_OPENAT2 = '1';
  try {
    assert.is(openEngine(blob).resolver, 'fallback');
  } finally {
    delete process.env.CAPWIRE_FORCE_NO_OPENAT2;
  }
});

life.run();
