/**
 * Concurrency: calls per second with 1, 16 and 256 calls in flight (100 B
 * sys.ping over the MessagePort to the worker host), capwire against the
 * JSON text bridge. Memory: heap + external bytes held per idle session with
 * 1,000 sessions open, after a full GC, against the JSON bridge.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '../client/client.js';
import { encodeFrame } from '../protocol/frame.js';
import { createMemoryPair } from '../transport/memory.js';
import { JsonBridgeClient, makePayload, type Pinger, serveJsonBridge, textMemoryPair } from './bridges.js';
import { BENCH_ORIGIN, benchHost } from './hosts.js';
import type { Channel } from './roundtrip.js';
import { measure, nowNs, rotation, type Row, sleep } from './stats.js';

export const SECTION = 'concurrency';
export const WINDOWS = [1, 16, 256];
export const SESSIONS = 1000;

async function callsPerSecond(ping: Pinger, window: number, repMs: number): Promise<number> {
  const payload = makePayload(100);
  const until = nowNs() + repMs * 1e6;
  let done = 0;
  const start = nowNs();
  const lane = async (): Promise<void> => {
    while (nowNs() < until) {
      await ping(payload);
      done++;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return done / ((nowNs() - start) / 1e9);
}

export async function runConcurrency(channel: Channel, budget: { reps: number; repMs: number }, log: (line: string) => void): Promise<Row[]> {
  const contenders = channel.contenders.filter((c) => c.name === 'capwire' || c.name === 'json');
  const rows: Row[] = [];
  for (const window of WINDOWS) {
    const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (const c of contenders) await callsPerSecond(c.ping, window, budget.repMs / 3);
    for (let rep = 0; rep < budget.reps; rep++) {
      for (const c of rotation(contenders, rep)) samples.get(c.name)!.push(await callsPerSecond(c.ping, window, budget.repMs));
    }
    const own = measure(samples.get('capwire')!);
    const json = measure(samples.get('json')!);
    rows.push({
      section: SECTION,
      name: `${channel.transport}, ${window} in flight, 100 B`,
      unit: 'calls/s',
      capwire: own,
      baselines: [{ baseline: 'json', value: json, ratio: own.median / json.median }],
      howCompared: 'capwire calls/s / baseline calls/s (>1: capwire faster)',
      ...(window > 64 ? { note: 'host maxInFlight raised from 64 to 256 for this figure' } : {}),
    });
    log(`  ${window} in flight: capwire ${own.median.toFixed(0)} calls/s, json ${json.median.toFixed(0)} calls/s`);
  }
  return rows;
}

// ---------- memory per idle session ----------

let gcFunction: (() => void) | undefined;
function fullGc(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

async function heldBytes(): Promise<number> {
  await sleep(10);
  fullGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** Bytes per session: open `count` sessions with `open`, keep them referenced, measure the growth. */
async function perSession(count: number, open: () => Promise<unknown>): Promise<number> {
  const keep: unknown[] = [];
  const before = await heldBytes();
  for (let i = 0; i < count; i++) keep.push(await open());
  const after = await heldBytes();
  const bytes = (after - before) / count;
  keep.length = 0;
  return bytes;
}

export async function runSessions(dataDir: string, reps: number, log: (line: string) => void): Promise<Row[]> {
  const policyHost = benchHost({ dataDir });
  const hello = encodeFrame({ protocolVersion: 1, id: 0, hello: { protocolVersions: [1], services: [], clientName: 'bench' } });
  const contenders: { name: string; open: () => Promise<unknown> }[] = [
    {
      // Host side only: a session that finished its handshake, plus the page end of its memory pair.
      name: 'capwire host session',
      open: () =>
        new Promise((resolve) => {
          const [pageEnd, hostEnd] = createMemoryPair();
          const session = policyHost.host.accept(hostEnd, { origin: BENCH_ORIGIN });
          pageEnd.on('message', () => resolve([pageEnd, session]));
          pageEnd.send(hello);
        }),
    },
    {
      name: 'capwire host+client',
      open: async () => {
        const [pageEnd, hostEnd] = createMemoryPair();
        const session = policyHost.host.accept(hostEnd, { origin: BENCH_ORIGIN });
        return [session, await Client.connect(pageEnd)];
      },
    },
    {
      name: 'json bridge',
      open: async () => {
        const [pageEnd, hostEnd] = textMemoryPair();
        serveJsonBridge(hostEnd);
        return new JsonBridgeClient(pageEnd);
      },
    },
  ];
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const c of rotation(contenders, rep)) {
        samples.get(c.name)!.push(await perSession(SESSIONS, c.open));
        policyHost.host.close('bench: next repetition');
      }
    }
  } finally {
    policyHost.close();
  }
  const json = measure(samples.get('json bridge')!);
  const rows: Row[] = [];
  for (const name of ['capwire host session', 'capwire host+client']) {
    const own = measure(samples.get(name)!);
    rows.push({
      section: 'memory',
      name: `${name}, ${SESSIONS.toLocaleString('en-US')} idle sessions`,
      unit: 'bytes/session',
      capwire: own,
      baselines: [{ baseline: 'json bridge (both ends)', value: json, ratio: own.median / json.median }],
      howCompared: 'capwire bytes / baseline bytes (lower is better)',
      target: { text: '< 64 KiB per idle session', met: own.median < 64 * 1024 },
      note: 'heapUsed + external growth after full GC, divided by the session count',
    });
    log(`  ${name}: ${(own.median / 1024).toFixed(1)} KiB/session (json bridge ${(json.median / 1024).toFixed(2)} KiB)`);
  }
  return rows;
}
