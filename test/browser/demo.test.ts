/**
 * The demo end to end in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): the real `capwire demo` child process, the page under its
 * CSP, window.capwire, a client in a module Web Worker, the UI, refusals of
 * other origins, a screenshot in test-output/demo.png and round-trip/throughput
 * figures (printed, never asserted).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { type DemoProcess, REPO, startDemo } from '../helpers/demo.js';
import { processAlive, waitFor } from '../helpers/processes.js';

const CHROMIUM = process.env['CAPWIRE_CHROMIUM'] ?? '/usr/bin/chromium';
const OUTPUT = join(REPO, 'test-output');

interface CallOutcome {
  ok: boolean;
  result?: Record<string, unknown>;
  code?: string;
  message?: string;
}

declare global {
  interface Window {
    capwire?: {
      call(method: string, params: object): Promise<Record<string, unknown>>;
      stream(method: string, params: object, options?: { signal?: AbortSignal; timeoutMs?: number }): AsyncIterable<Record<string, unknown>>;
    };
    gc?: () => void;
    cspViolations: string[];
  }
}

let demo: DemoProcess;
let browser: Browser;
let page: Page;
let pageHeaders: Record<string, string> = {};
const pageErrors: string[] = [];

/** Runs window.capwire.call in the page; rejections come back as {code, message}. */
function callInPage(method: string, params: object): Promise<CallOutcome> {
  return page.evaluate(
    async ([m, p]) => {
      try {
        return { ok: true, result: await window.capwire!.call(m as string, p as object) };
      } catch (error) {
        const failure = error as { code?: string; message?: string };
        return { ok: false, code: failure.code, message: failure.message };
      }
    },
    [method, params] as const,
  );
}

/** Runs in the page: a second client with no inspector, 100-byte pings, then 1 MiB pings. */
const BENCH_SOURCE = `(async () => {
  const { Client, WebSocketTransport } = await import(new URL('/capwire.js', location.href).href);
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const client = await Client.connect(await WebSocketTransport.connect('ws://' + location.host + '/capwire', { protocols: ['capwire.v1', 'token.' + token] }));
  const bytes = new Uint8Array(1 << 20).map((_, i) => i * 31);
  function b64(size) {
    const part = bytes.subarray(0, size);
    let binary = '';
    for (let i = 0; i < part.length; i += 0x8000) binary += String.fromCharCode(...part.subarray(i, i + 0x8000));
    return btoa(binary);
  }
  const small = b64(100);
  for (let i = 0; i < 200; i++) await client.call('sys.ping', { data: small });
  const times = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await client.call('sys.ping', { data: small });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const big = b64(1 << 20);
  await client.call('sys.ping', { data: big });
  const rounds = 32;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await client.call('sys.ping', { data: big });
  const seconds = (performance.now() - t0) / 1000;
  // The same 1 MiB as binary: a PingRequest {data} encoded once, sent with callRaw (no JSON, no base64).
  const raw = new Uint8Array(4 + (1 << 20));
  raw.set([0x0a, 0x80, 0x80, 0x40]);
  raw.set(bytes, 4);
  await client.callRaw('sys.ping', raw);
  const t1 = performance.now();
  for (let i = 0; i < rounds; i++) await client.callRaw('sys.ping', raw);
  const rawSeconds = (performance.now() - t1) / 1000;
  client.close();
  return {
    calls: times.length, p50Ms: at(0.5), p99Ms: at(0.99), rounds,
    mibPerSecondEachWay: rounds / seconds, msPerMiBRoundTrip: (seconds * 1000) / rounds,
    rawMibPerSecondEachWay: rounds / rawSeconds, rawMsPerMiBRoundTrip: (rawSeconds * 1000) / rounds,
  };
})()`;

/** The floor: a bare `ws` echo server and the bare browser WebSocket, same sizes, no capwire. */
const FLOOR_SOURCE = `(async () => {
  const ws = new WebSocket('ws://' + location.host + '/');
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve) => (ws.onopen = resolve));
  const echo = (buf) => new Promise((resolve) => { ws.onmessage = resolve; ws.send(buf); });
  const small = new Uint8Array(100);
  const times = [];
  for (let i = 0; i < 200; i++) await echo(small);
  for (let i = 0; i < 2000; i++) { const t0 = performance.now(); await echo(small); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b);
  const big = new Uint8Array(1 << 20);
  await echo(big);
  const t0 = performance.now();
  for (let i = 0; i < 32; i++) await echo(big);
  const ms = (performance.now() - t0) / 32;
  ws.close();
  return { p50Ms: times[1000], p99Ms: times[1980], msPerMiBRoundTrip: ms };
})()`;

const test = suite('demo in Chromium');

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CAPWIRE_CHROMIUM)`);
  demo = await startDemo();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // launch() gives every run a fresh, temporary --user-data-dir of its own.
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // For the bounded-memory stream test: window.gc() and exact performance.memory figures.
      '--js-flags=--expose-gc', '--enable-precise-memory-info',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const response = await page.goto(demo.url);
  pageHeaders = response?.headers() ?? {};
  await page.waitForFunction(() => document.documentElement.dataset['state'] === 'connected' || document.documentElement.dataset['state'] === 'failed', null, { timeout: 20_000 });
});

test.after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('the page connects and window.capwire.call works for granted calls', async () => {
  assert.is(await page.textContent('#status'), 'connected');
  const ping = await callInPage('sys.ping', { data: 'aGVsbG8=' });
  assert.equal(ping, { ok: true, result: { data: 'aGVsbG8=' } });
  const info = await callInPage('os.info', {});
  assert.ok(info.ok && info.result?.['platform'] === process.platform, JSON.stringify(info));
  const path = join(demo.workspace, 'notes/from-page.txt');
  const write = await callInPage('fs.writeFile', { path, data: Buffer.from('written by Chromium\n').toString('base64') });
  assert.ok(write.ok, JSON.stringify(write));
  assert.is(readFileSync(path, 'utf8'), 'written by Chromium\n');
  const read = await callInPage('fs.readFile', { path });
  assert.is(Buffer.from(String(read.result?.['data']), 'base64').toString(), 'written by Chromium\n');
  const echo = await callInPage('process.spawn', { program: '/bin/echo', args: ['from', 'the', 'page'] });
  assert.is(Buffer.from(String(echo.result?.['stdout']), 'base64').toString(), 'from the page\n');
});

test('calls outside the policy reject with PERMISSION_DENIED naming the origin', async () => {
  const denied: [string, object][] = [
    ['fs.readFile', { path: '/etc/passwd' }],
    ['fs.readFile', { path: join(demo.workspace, 'private/secret.txt') }],
    ['fs.readFile', { path: `${demo.workspace}/notes/../../../../etc/hostname` }],
    ['fs.writeFile', { path: '/tmp/capwire-page-escape.txt', data: 'eA==' }],
    ['env.get', { name: 'HOME' }],
    ['process.spawn', { program: '/bin/sh', args: ['-c', 'id'] }],
  ];
  for (const [method, params] of denied) {
    const outcome = await callInPage(method, params);
    assert.is(outcome.ok, false, `${method} ${JSON.stringify(params)} was allowed`);
    assert.is(outcome.code, 'PERMISSION_DENIED', `${method}: ${outcome.code} ${outcome.message}`);
    assert.ok(outcome.message?.includes(demo.origin), outcome.message);
  }
  assert.not.ok(existsSync('/tmp/capwire-page-escape.txt'));
});

test('the page is served with a strict CSP and runs under it without violations', async () => {
  const csp = pageHeaders['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.ok(csp.includes(`connect-src ws://127.0.0.1:${demo.port} ws://localhost:${demo.port}`), csp);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.not.match(csp, /unsafe-(inline|eval)/);
  assert.is(pageHeaders['x-content-type-options'], 'nosniff');
  assert.equal(await page.evaluate(() => window.cspViolations), [], 'the page triggered CSP violations');
  // The policy is enforced: an injected inline script does not run, and is reported.
  const ran = await page.evaluate(
    () =>
      new Promise<boolean>((resolve) => {
        const script = document.createElement('script');
        script.textContent = 'window.injectedRan = true';
        document.head.append(script);
        setTimeout(() => resolve((window as { injectedRan?: boolean }).injectedRan === true), 100);
      }),
  );
  assert.is(ran, false);
  assert.ok((await page.evaluate(() => window.cspViolations)).some((v) => v.startsWith('script-src')));
  assert.equal(pageErrors, []);
});

test('the UI: workspace and policy shown, file editor saves, echo runs, denials shown, inspector logs', async () => {
  assert.is(await page.textContent('#workspace'), demo.workspace);
  assert.match((await page.textContent('#policy')) ?? '', /"process\.spawn".*"\/bin\/echo"/);
  await page.click('#file-list li:text-is("README.txt")');
  await page.waitForFunction(() => (document.getElementById('editor') as HTMLTextAreaElement).value.includes('capwire demo workspace'));
  await page.fill('#file-name', 'edited.txt');
  await page.fill('#editor', 'edited in the browser\n');
  await page.click('#save-file');
  await page.waitForSelector('#file-list li:text-is("edited.txt")');
  assert.is(readFileSync(join(demo.workspace, 'edited.txt'), 'utf8'), 'edited in the browser\n');

  await page.fill('#echo-args', 'hello capwire');
  await page.click('#run-echo');
  await page.waitForFunction(() => document.getElementById('echo-output')!.textContent!.includes('stdout: hello capwire'));

  await page.click('#denied-buttons button:text-is("read private/secret.txt")');
  await page.waitForFunction(() => document.getElementById('denied-output')!.textContent!.includes('PERMISSION_DENIED'));
  assert.match((await page.textContent('#denied-output')) ?? '', /PERMISSION_DENIED: fs\.read denied/);

  const rows = await page.$$eval('#log tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const methods = new Set(rows.map((row) => row[3]));
  for (const method of ['fs.readDir', 'fs.readFile', 'fs.writeFile', 'process.spawn']) assert.ok(methods.has(method), `inspector lacks ${method}`);
  assert.ok(rows.some((row) => row[1] === 'host → page' && row[7] === 'PERMISSION_DENIED' && /ms$/.test(row[6] ?? '')));
  assert.ok(rows.some((row) => row[2] === 'hello') && rows.some((row) => row[2] === 'welcome'));

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'demo.png'), fullPage: true });
  console.log(`  screenshot: ${join(OUTPUT, 'demo.png')}`);
});

/** Pids of running programs whose argv is exactly `argv` (found through /proc). */
function pidsRunning(argv: string[]): number[] {
  const wanted = argv.join('\0') + '\0';
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === wanted && processAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

test('the UI streams /usr/bin/yes with process.spawnStream; Stop cancels the stream and the program is killed', async () => {
  const word = `capwire-e2e-${process.pid}`;
  await page.fill('#yes-word', word);
  await page.click('#start-yes');
  await page.waitForFunction(() => /running\n\d+ chunks, [1-9]\d*\.\d MiB/.test(document.getElementById('yes-output')!.textContent ?? ''), undefined, { timeout: 20_000 });
  assert.match((await page.textContent('#yes-output')) ?? '', new RegExp(`last line: ${word}`));
  const pids = pidsRunning(['/usr/bin/yes', word]);
  assert.is(pids.length, 1, 'exactly one yes runs for the page');
  await page.click('#stop-yes');
  await page.waitForFunction(() => (document.getElementById('yes-output')!.textContent ?? '').includes('stopped (the stream was cancelled'));
  await waitFor(() => pidsRunning(['/usr/bin/yes', word]).length === 0, 5000);
  assert.equal(pidsRunning(['/usr/bin/yes', word]), [], 'Stop killed the program');
  assert.ok(await page.isEnabled('#start-yes'));
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'demo-stream.png'), fullPage: true });
  console.log(`  screenshot: ${join(OUTPUT, 'demo-stream.png')}`);
});

test('the browser build also loads as a module Web Worker under the CSP (no DOM or Node globals at load)', async () => {
  const before = (await page.evaluate(() => window.cspViolations)).length;
  const outcome = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const worker = new Worker('/capwire.js', { type: 'module' });
        worker.onerror = (event) => resolve(`error: ${event.message}`);
        setTimeout(() => {
          worker.terminate();
          resolve('loaded');
        }, 1000);
      }),
  );
  assert.is(outcome, 'loaded');
  assert.equal((await page.evaluate(() => window.cspViolations)).slice(before), []);
});

/**
 * Runs inside a module Web Worker (through Playwright's worker.evaluate): its own
 * client, its own WebSocket to the demo host with the page's token, a granted
 * read, write and listing, and a denied read. A source string, as for BENCH_SOURCE.
 */
function workerCallsSource(args: { token: string; readPath: string; writePath: string; listPath: string; deniedPath: string }): string {
  return `(async ({ token, readPath, writePath, listPath, deniedPath }) => {
  const violations = [];
  self.addEventListener('securitypolicyviolation', (event) => violations.push(event.violatedDirective + ' ' + event.blockedURI));
  const { Client, WebSocketTransport } = await import(new URL('/capwire.js', location.href).href);
  const client = await Client.connect(await WebSocketTransport.connect('ws://' + location.host + '/capwire', { protocols: ['capwire.v1', 'token.' + token] }));
  const outcome = async (method, params) => {
    try {
      return { ok: true, result: await client.call(method, params) };
    } catch (error) {
      return { ok: false, code: error.code, message: error.message };
    }
  };
  const read = await outcome('fs.readFile', { path: readPath });
  const write = await outcome('fs.writeFile', { path: writePath, data: btoa('written by a Web Worker\\n') });
  const list = await outcome('fs.readDir', { path: listPath });
  const denied = await outcome('fs.readFile', { path: deniedPath });
  client.close();
  return {
    scope: self.constructor.name, hasDocument: typeof document !== 'undefined', scriptUrl: location.href,
    text: read.ok ? atob(read.result.data) : read, write, names: list.ok ? list.result.entries.map((entry) => entry.name) : list, denied, violations,
  };
})(${JSON.stringify(args)})`;
}

test('a client inside a module Web Worker connects over WebSocket with the page token: granted calls work, denied ones reject with PERMISSION_DENIED', async () => {
  const before = (await page.evaluate(() => window.cspViolations)).length;
  // A same-origin worker script, allowed by script-src 'self' (the CSP has no worker-src, and no blob:). The worker runs
  // under the CSP served with /capwire.js (the same headers), so its WebSocket must pass connect-src too.
  const [worker] = await Promise.all([
    page.waitForEvent('worker', { predicate: (w) => w.url() === `${demo.origin}/capwire.js`, timeout: 10_000 }),
    page.evaluate(`void (globalThis.workerUnderTest = new Worker('/capwire.js', { type: 'module' }))`),
  ]);
  try {
    const token = await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('token'));
    assert.is(token, demo.token);
    const writePath = join(demo.workspace, 'notes/from-worker.txt');
    const result = (await worker.evaluate(
      workerCallsSource({
        token: token!,
        readPath: join(demo.workspace, 'notes/hello.txt'),
        writePath,
        listPath: join(demo.workspace, 'notes'),
        deniedPath: join(demo.workspace, 'private/secret.txt'),
      }),
    )) as { scope: string; hasDocument: boolean; scriptUrl: string; text: unknown; write: CallOutcome; names: unknown; denied: CallOutcome; violations: string[] };
    assert.is(result.scope, 'DedicatedWorkerGlobalScope');
    assert.is(result.hasDocument, false);
    assert.is(result.scriptUrl, `${demo.origin}/capwire.js`);
    assert.is(result.text, 'Hello from the capwire demo workspace.\n', JSON.stringify(result.text));
    assert.ok(result.write.ok, JSON.stringify(result.write));
    assert.is(readFileSync(writePath, 'utf8'), 'written by a Web Worker\n');
    assert.ok(Array.isArray(result.names) && result.names.includes('hello.txt') && result.names.includes('from-worker.txt'), JSON.stringify(result.names));
    assert.is(result.denied.ok, false, 'private/secret.txt was readable from the worker');
    assert.is(result.denied.code, 'PERMISSION_DENIED', `${result.denied.code} ${result.denied.message}`);
    // The host attributes the worker's connection to the page's origin (from the upgrade's Origin header).
    assert.ok(result.denied.message?.includes(demo.origin), result.denied.message);
    assert.equal(result.violations, []);
    assert.equal((await page.evaluate(() => window.cspViolations)).slice(before), []);
  } finally {
    await page.evaluate('globalThis.workerUnderTest.terminate()');
  }
});

/** Peak resident memory of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

test('a 100 MiB file streams to the page with bounded memory on both sides; cancel works mid-stream', async () => {
  const MiB = 1024 * 1024;
  const path = join(demo.workspace, 'big.bin');
  const block = Buffer.alloc(MiB, 0x5a);
  writeFileSync(path, '');
  for (let i = 0; i < 100; i++) appendFileSync(path, block);
  const hostPeakBefore = peakRss(demo.child.pid!);
  // A source string, not a function: tsx would wrap inner functions in a __name helper the page lacks.
  const result = (await page.evaluate(`(async (file) => {
    const heap = () => performance.memory.usedJSHeapSize;
    window.gc?.();
    const baseline = heap();
    let bytes = 0, chunks = 0, peak = 0;
    for await (const chunk of window.capwire.stream('fs.readFileStream', { path: file }, { timeoutMs: 300000 })) {
      const text = chunk.data;
      bytes += (text.length * 3) / 4 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
      if (++chunks % 10 === 0) {
        window.gc?.();
        peak = Math.max(peak, heap() - baseline);
      }
    }
    const controller = new AbortController();
    let seen = 0, code = 'none';
    try {
      for await (const _ of window.capwire.stream('fs.readFileStream', { path: file }, { signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    } catch (error) {
      code = error.code;
    }
    return { bytes, chunks, peak, cancelCode: code, seenBeforeCancel: seen, hasGc: typeof window.gc === 'function' };
  })(${JSON.stringify(path)})`)) as { bytes: number; chunks: number; peak: number; cancelCode: string; seenBeforeCancel: number; hasGc: boolean };
  const hostGrowth = peakRss(demo.child.pid!) - hostPeakBefore;
  console.log(`  100 MiB streamed to Chromium in ${result.chunks} chunks; page heap peak growth ${(result.peak / MiB).toFixed(1)} MiB, host peak RSS growth ${(hostGrowth / MiB).toFixed(1)} MiB`);
  assert.is(result.bytes, 100 * MiB);
  assert.ok(result.hasGc, 'window.gc available for the measurement');
  assert.ok(result.peak < 48 * MiB, `page heap grew ${(result.peak / MiB).toFixed(1)} MiB`);
  assert.ok(hostGrowth < 96 * MiB, `host peak RSS grew ${(hostGrowth / MiB).toFixed(1)} MiB`);
  assert.is(result.cancelCode, 'CANCELLED');
  assert.ok(result.seenBeforeCancel >= 3 && result.seenBeforeCancel < 100);
});

test('a page from another origin, and a page without the token, get no connection', async () => {
  // Another local origin serving a page that knows the token still cannot connect.
  const evil: Server = createServer((_req, res) => res.end('<!doctype html><title>other origin</title>'));
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const other = await browser.newPage();
  try {
    await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const outcome = await other.evaluate(
      ([port, token]) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/capwire`, ['capwire.v1', `token.${token}`]);
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('error');
        }),
      [demo.port, demo.token] as const,
    );
    assert.is(outcome, 'error');
    // The demo's own page without the token in the fragment stays disconnected.
    await other.goto(`http://127.0.0.1:${demo.port}/`);
    await other.waitForFunction(() => document.documentElement.dataset['state'] === 'failed');
    assert.match((await other.textContent('#status')) ?? '', /no token/);
    await other.goto(`http://127.0.0.1:${demo.port}/#token=${'0'.repeat(64)}`);
    await other.waitForFunction(() => document.documentElement.dataset['state'] === 'failed');
    assert.is(await other.evaluate(() => window.capwire === undefined), true);
  } finally {
    await other.close();
    await new Promise<void>((resolve) => evil.close(() => resolve()));
  }
});

test('measured: round trip of a 100-byte call and 1 MiB throughput over WebSocket (printed, not asserted)', async () => {
  // A second connection without the page's inspector: what a page pays for a call.
  // Plain JS source: functions handed to page.evaluate would carry tsx's helpers.
  const figures = (await page.evaluate(BENCH_SOURCE)) as {
    calls: number; p50Ms: number; p99Ms: number; rounds: number;
    mibPerSecondEachWay: number; msPerMiBRoundTrip: number; rawMibPerSecondEachWay: number; rawMsPerMiBRoundTrip: number;
  };
  console.log(`  100-byte sys.ping round trip over ${figures.calls} calls: p50 ${figures.p50Ms.toFixed(3)} ms, p99 ${figures.p99Ms.toFixed(3)} ms`);
  console.log(`  1 MiB sys.ping x${figures.rounds} via call (JSON, base64): ${figures.msPerMiBRoundTrip.toFixed(1)} ms per round trip, ${figures.mibPerSecondEachWay.toFixed(1)} MiB/s each way`);
  console.log(`  1 MiB sys.ping x${figures.rounds} via callRaw (binary): ${figures.rawMsPerMiBRoundTrip.toFixed(1)} ms per round trip, ${figures.rawMibPerSecondEachWay.toFixed(1)} MiB/s each way`);

  const echoServer: Server = createServer((_req, res) => res.end('<!doctype html><title>echo</title>'));
  const echo = new WebSocketServer({ server: echoServer, perMessageDeflate: false, maxPayload: 4 << 20 });
  echo.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  const floorPage = await browser.newPage();
  let floor: { p50Ms: number; p99Ms: number; msPerMiBRoundTrip: number };
  try {
    await floorPage.goto(`http://127.0.0.1:${(echoServer.address() as AddressInfo).port}/`);
    floor = (await floorPage.evaluate(FLOOR_SOURCE)) as typeof floor;
  } finally {
    await floorPage.close();
    echo.close();
    await new Promise<void>((resolve) => echoServer.close(() => resolve()));
  }
  console.log(`  baseline, bare WebSocket echo (no capwire): 100 B p50 ${floor.p50Ms.toFixed(3)} ms, p99 ${floor.p99Ms.toFixed(3)} ms; 1 MiB ${floor.msPerMiBRoundTrip.toFixed(1)} ms per round trip`);
  mkdirSync(OUTPUT, { recursive: true });
  writeFileSync(join(OUTPUT, 'websocket-chromium.json'), `${JSON.stringify({ chromium: browser.version(), capwire: figures, bareWebSocketEcho: floor }, null, 2)}\n`);
  assert.ok(figures.p50Ms > 0);
});

test.run();
