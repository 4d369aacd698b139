/**
 * Page to host in Chromium: the page loads the browser build of the client
 * (dist/browser/capwire.js) from the bench host worker, connects over a
 * binary WebSocket and pings; the baselines are the same JSON and
 * base64-in-JSON bridges written as a page would write them, over a text
 * WebSocket to the same worker, and a bare binary WebSocket echo (the floor). Chromium runs headless through playwright-core
 * with the browser tests' settings (/usr/bin/chromium, or $CAPWIRE_CHROMIUM). The page is cross-origin isolated
 * (COOP/COEP) so performance.now() has 5 µs rather than 100 µs resolution.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostWorker } from './roundtrip.js';
import { type Comparison, formatBytes, measure, type Row } from './stats.js';
import type { CurvePoint } from './roundtrip.js';

export const SECTION = 'Chromium page -> host';

/** Where the browser build of the client lands (scripts/build.mjs). */
export function browserBundlePath(): string {
  return fileURLToPath(new URL('../browser/capwire.js', import.meta.url));
}

export const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>capwire bench</title><script type="module" src="/bench-page.js"></script>`;

/**
 * The page's side. PingRequest/PingResponse are `bytes data = 1`, encoded and
 * parsed here the way static protobuf code does (the browser build exports the
 * client, not the codecs).
 */
export const PAGE_SCRIPT = `import { Client, WebSocketTransport } from '/capwire.js';

function pingRequest(data) {
  const head = [0x0a];
  let v = data.length;
  while (v > 127) { head.push((v & 127) | 128); v = Math.floor(v / 128); }
  head.push(v);
  const out = new Uint8Array(head.length + data.length);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}
function pingData(bytes) {
  let pos = 0;
  let data = new Uint8Array(0);
  while (pos < bytes.length) {
    const tag = bytes[pos++];
    let len = 0, shift = 0, b;
    do { b = bytes[pos++]; len += (b & 127) * 2 ** shift; shift += 7; } while (b & 128);
    if (tag === 10) data = bytes.subarray(pos, pos + len);
    pos += len;
  }
  return data;
}
const toBase64 = (bytes) => {
  if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (text) => {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

class JsonBridge {
  constructor(ws) {
    this.ws = ws;
    this.pending = new Map();
    this.nextId = 1;
    ws.onmessage = (event) => {
      const reply = JSON.parse(event.data);
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve(reply.result);
    };
  }
  call(method, params) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
}

function openText(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('text websocket failed'));
  });
}

let contenders;
async function setup(base) {
  const client = await Client.connect(await WebSocketTransport.connect(base + '/capwire'));
  const json = new JsonBridge(await openText(base + '/json'));
  const echo = await openText(base + '/echo');
  echo.binaryType = 'arraybuffer';
  let echoed;
  echo.onmessage = (event) => echoed(event.data);
  contenders = [
    { name: 'capwire', ping: async (p) => {
      const data = pingData(await client.callRaw('sys.ping', pingRequest(p.bytes)));
      if (data.length !== p.size) throw new Error('capwire echo: wrong size');
    } },
    { name: 'json', ping: async (p) => {
      const r = await json.call('text.ping', { data: p.text });
      if (r.data.length !== p.size) throw new Error('json echo: wrong size');
    } },
    { name: 'base64', ping: async (p) => {
      const r = await json.call('bytes.ping', { data: toBase64(p.bytes) });
      if (fromBase64(r.data).length !== p.size) throw new Error('base64 echo: wrong size');
    } },
    { name: 'bare echo', ping: async (p) => {
      const back = await new Promise((resolve) => { echoed = resolve; echo.send(p.bytes); });
      if (back.byteLength !== p.size) throw new Error('bare echo: wrong size');
    } },
  ];
}

function payload(size) {
  const bytes = new Uint8Array(size);
  crypto.getRandomValues(bytes.subarray(0, Math.min(size, 65536)));
  for (let i = 65536; i < size; i++) bytes[i] = bytes[i % 65536];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let block = '';
  for (let i = 0; i < Math.min(size, 4096); i++) block += alphabet[bytes[i] % alphabet.length];
  const text = block.repeat(Math.ceil(size / block.length)).slice(0, size);
  return { size, bytes, text };
}

async function rep(ping, p, repMs, minCalls) {
  const lat = [];
  const start = performance.now();
  let t = start;
  while (lat.length < minCalls || t - start < repMs) {
    const t0 = performance.now();
    await ping(p);
    t = performance.now();
    lat.push(t - t0);
  }
  lat.sort((a, b) => a - b);
  const pick = (q) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(q * lat.length) - 1))];
  const mid = lat.length >> 1;
  const p50 = lat.length % 2 ? lat[mid] : (lat[mid - 1] + lat[mid]) / 2;
  return { p50: p50 * 1000, p99: pick(0.99) * 1000, mbps: (p.size * lat.length) / ((t - start) / 1000) / 1e6 };
}

window.capwireBench = {
  setup,
  isolated: () => self.crossOriginIsolated,
  async run({ size, reps, repMs, minCalls }) {
    const p = payload(size);
    const out = {};
    for (const c of contenders) { out[c.name] = []; await rep(c.ping, p, repMs / 3, 1); }
    for (let r = 0; r < reps; r++) {
      const order = contenders.slice(r % contenders.length).concat(contenders.slice(0, r % contenders.length));
      for (const c of order) out[c.name].push(await rep(c.ping, p, repMs, minCalls));
    }
    return out;
  },
};
window.capwireBenchReady = true;
`;

interface PageRep {
  p50: number;
  p99: number;
  mbps: number;
}

/** Rows for 100 B and 1 MiB, or the reason the section could not run. */
export async function runBrowser(worker: HostWorker, budget: { reps: number; repMs: number; bigMinCalls: number }, curve: CurvePoint[], log: (line: string) => void): Promise<Row[] | string> {
  if (!existsSync(browserBundlePath())) return 'the browser build of the client (dist/browser/capwire.js) is not there';
  const executablePath = process.env['CAPWIRE_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath} (apt-get install chromium, or set $CAPWIRE_CHROMIUM)`;
  let chromium: { launch(options: object): Promise<{ newPage(): Promise<PageLike>; close(): Promise<void>; version(): string }> };
  try {
    ({ chromium } = (await import('playwright-core')) as unknown as { chromium: typeof chromium });
  } catch {
    return 'playwright-core is not installed (a devDependency: run npm ci)';
  }
  const base = await worker.httpUrl();
  // The same flags as test/browser (launch() gives each run a fresh temporary profile).
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const rows: Row[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/bench.html`);
    await page.waitForFunction('window.capwireBenchReady === true');
    await page.evaluate(`window.capwireBench.setup(${JSON.stringify(base.replace(/^http/, 'ws'))})`);
    const isolated = (await page.evaluate('window.capwireBench.isolated()')) as boolean;
    for (const size of [100, 1024 * 1024]) {
      const args = { size, reps: budget.reps, repMs: budget.repMs, minCalls: size > 65536 ? budget.bigMinCalls : 20 };
      const result = (await page.evaluate(`window.capwireBench.run(${JSON.stringify(args)})`)) as Record<string, PageRep[]>;
      const stat = (name: string, key: keyof PageRep) => measure(result[name]!.map((r) => r[key]));
      const compare = (key: keyof PageRep, higherIsBetter: boolean): Comparison[] =>
        ['json', 'base64', 'bare echo'].map((name) => {
          const mine = stat('capwire', key).median;
          const theirs = stat(name, key).median;
          return { baseline: name, value: stat(name, key), ratio: higherIsBetter ? mine / theirs : theirs / mine };
        });
      const note = `headless Chromium ${browser.version()}, WebSocket to the worker host on loopback${isolated ? '' : ' (page not cross-origin isolated: 100 µs timer resolution)'}`;
      const name = `WebSocket ${formatBytes(size)}`;
      const latency = 'baseline latency / capwire latency (>1: capwire faster)';
      rows.push(
        { section: SECTION, name: `${name} p50`, unit: 'µs', capwire: stat('capwire', 'p50'), baselines: compare('p50', false), howCompared: latency, note },
        { section: SECTION, name: `${name} p99`, unit: 'µs', capwire: stat('capwire', 'p99'), baselines: compare('p99', false), howCompared: latency, note },
        { section: SECTION, name: `${name} throughput`, unit: 'MB/s', capwire: stat('capwire', 'mbps'), baselines: compare('mbps', true), howCompared: 'capwire throughput / baseline throughput (>1: capwire faster)', note },
      );
      for (const contender of ['capwire', 'json', 'base64']) curve.push({ transport: 'Chromium', contender, size, mbps: stat(contender, 'mbps').median });
      log(`  Chromium ${name}: ${['capwire', 'json', 'base64', 'bare echo'].map((c) => `${c} ${stat(c, 'p50').median.toFixed(0)} µs ${stat(c, 'mbps').median.toFixed(1)} MB/s`).join(' | ')}`);
    }
  } finally {
    await browser.close();
  }
  return rows;
}

interface PageLike {
  goto(url: string): Promise<unknown>;
  waitForFunction(expression: string): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
}
