/**
 * Round trips of sys.ping with a payload, over the memory pair (in process),
 * a MessagePort to a worker-thread host and a loopback WebSocket to the same
 * worker: capwire against the JSON text bridge and the base64-in-JSON bridge
 * over the same channel. One call in flight; latency percentiles per
 * repetition, throughput = payload bytes carried one way per second.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { Client } from '../client/client.js';
import { MessagePortTransport } from '../transport/message-port.js';
import { createMemoryPair } from '../transport/memory.js';
import {
  base64Pinger, capwirePinger, JsonBridgeClient, jsonTextPinger, makePayload, type Payload, type Pinger,
  serveJsonBridge, textMemoryPair, textPort, textWebSocket,
} from './bridges.js';
import { BENCH_ORIGIN, benchHost } from './hosts.js';
import type { WorkerCommand, WorkerReply } from './host-worker.js';
import { type Comparison, formatBytes, measure, nowNs, percentile, rotation, type Row } from './stats.js';
import { connectWebSocket, openTextWebSocket } from './ws-transport.js';

export const SECTION = 'round trip';
/** Room for the Envelope and PingRequest around the data, so the frame stays within the 16 MiB frame limit. */
export const FRAME_HEADROOM = 64;
export const MAX_PAYLOAD = 16 * 1024 * 1024 - FRAME_HEADROOM;
export const SIZES = [100, 1024, 64 * 1024, 1024 * 1024, MAX_PAYLOAD];

/** "16 MiB*" marks the largest case, which is 64 bytes short of 16 MiB so its frame fits the limit. */
export function formatSizeLabel(size: number): string {
  return size === MAX_PAYLOAD ? '16 MiB*' : formatBytes(size);
}

export interface Budget {
  readonly reps: number;
  /** Wall time per repetition per contender. */
  readonly repMs: number;
  readonly minCalls: number;
  /** Fewer calls suffice for payloads of 4 MiB and more (one 16 MiB base64 call can take a second). */
  readonly bigMinCalls: number;
  readonly maxCalls: number;
  /** Per contender, before the first size: long enough for the JIT (which compiles on other threads) to settle. */
  readonly warmMs: number;
}

/** The same three contenders on every transport: capwire and the two bridges it is compared with. */
function contendersFor(client: Client, json: JsonBridgeClient): Contender[] {
  return [
    { name: 'capwire', ping: capwirePinger(client) },
    { name: 'json', ping: jsonTextPinger(json) },
    { name: 'base64', ping: base64Pinger(json) },
  ];
}

export interface Contender {
  readonly name: string;
  readonly ping: Pinger;
}

export interface Channel {
  readonly transport: string;
  readonly contenders: readonly Contender[];
  close(): Promise<void> | void;
}

/** One point of the throughput chart. */
export interface CurvePoint {
  readonly transport: string;
  readonly contender: string;
  readonly size: number;
  readonly mbps: number;
}

interface RepResult {
  p50: number;
  p99: number;
  mbps: number;
  /** CPU time of the whole process (every thread: page, host worker, GC) per call, in µs: steadier than wall time on a busy machine. */
  cpu: number;
}

async function runRep(ping: Pinger, payload: Payload, budget: Budget, repMs: number): Promise<RepResult> {
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const start = nowNs();
  const until = start + repMs * 1e6;
  let t = start;
  while (latencies.length < budget.maxCalls && (latencies.length < budget.minCalls || t < until)) {
    const t0 = nowNs();
    await ping(payload);
    t = nowNs();
    latencies.push(t - t0);
  }
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const seconds = (t - start) / 1e9;
  return {
    p50: percentile(latencies, 50) / 1e3,
    p99: percentile(latencies, 99) / 1e3,
    mbps: (payload.size * latencies.length) / seconds / 1e6,
    cpu: (cpu.user + cpu.system) / latencies.length,
  };
}

/** Every contender over one channel at every size; rows for p50, p99 and throughput. */
export async function measureChannel(channel: Channel, sizes: readonly number[], budget: Budget, label: (size: number) => string, curve: CurvePoint[], log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const warmSize of [100, 64 * 1024]) {
    for (const contender of channel.contenders) await runRep(contender.ping, makePayload(warmSize), { ...budget, minCalls: 1 }, budget.warmMs / 2);
  }
  for (const size of sizes) {
    const payload = makePayload(size);
    const results = new Map<string, RepResult[]>(channel.contenders.map((c) => [c.name, []]));
    for (const contender of channel.contenders) await runRep(contender.ping, payload, { ...budget, minCalls: 1 }, budget.repMs / 3);
    for (let rep = 0; rep < budget.reps; rep++) {
      const repBudget = size >= 4 * 1024 * 1024 ? { ...budget, minCalls: budget.bigMinCalls } : budget;
      for (const contender of rotation(channel.contenders, rep)) results.get(contender.name)!.push(await runRep(contender.ping, payload, repBudget, budget.repMs));
    }
    const [own, ...others] = channel.contenders;
    const stat = (name: string, key: keyof RepResult) => measure(results.get(name)!.map((r) => r[key]));
    const compare = (key: keyof RepResult, higherIsBetter: boolean): Comparison[] =>
      others.map((other) => {
        const mine = stat(own!.name, key).median;
        const theirs = stat(other.name, key).median;
        return { baseline: other.name, value: stat(other.name, key), ratio: higherIsBetter ? mine / theirs : theirs / mine };
      });
    const name = `${channel.transport} ${label(size)}`;
    rows.push(
      { section: SECTION, name: `${name} p50`, unit: 'µs', capwire: stat(own!.name, 'p50'), baselines: compare('p50', false), howCompared: 'baseline latency / capwire latency (>1: capwire faster)' },
      { section: SECTION, name: `${name} p99`, unit: 'µs', capwire: stat(own!.name, 'p99'), baselines: compare('p99', false), howCompared: 'baseline latency / capwire latency (>1: capwire faster)' },
      { section: SECTION, name: `${name} throughput`, unit: 'MB/s', capwire: stat(own!.name, 'mbps'), baselines: compare('mbps', true), howCompared: 'capwire throughput / baseline throughput (>1: capwire faster)' },
      { section: SECTION, name: `${name} CPU per call`, unit: 'µs CPU', capwire: stat(own!.name, 'cpu'), baselines: compare('cpu', false), howCompared: 'baseline CPU / capwire CPU (>1: capwire cheaper)', note: 'CPU per call: user+system time of every thread in the process (page, host worker, GC) per round trip' },
    );
    for (const contender of channel.contenders) curve.push({ transport: channel.transport, contender: contender.name, size, mbps: stat(contender.name, 'mbps').median });
    const line = channel.contenders.map((c) => `${c.name} ${stat(c.name, 'p50').median.toFixed(1)} µs ${stat(c.name, 'mbps').median.toFixed(1)} MB/s`).join(' | ');
    log(`  ${name}: ${line}`);
  }
  return rows;
}

// ---------- channels ----------

export async function memoryChannel(dataDir: string): Promise<Channel> {
  const policyHost = benchHost({ dataDir });
  const [pageEnd, hostEnd] = createMemoryPair();
  policyHost.host.accept(hostEnd, { origin: BENCH_ORIGIN });
  const client = await Client.connect(pageEnd);
  const [pageText, hostText] = textMemoryPair();
  serveJsonBridge(hostText);
  const json = new JsonBridgeClient(pageText);
  return {
    transport: 'memory',
    contenders: contendersFor(client, json),
    close() {
      client.close();
      policyHost.close();
    },
  };
}

/** A worker thread running the bench host (capwire and the JSON bridge). */
export class HostWorker {
  private wsUrl: Promise<string> | undefined;

  private constructor(private readonly worker: Worker) {}

  static async start(dataDir: string): Promise<HostWorker> {
    const worker = new Worker(new URL('./host-worker.js', import.meta.url), { workerData: { dataDir } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (reply: WorkerReply) => (reply.kind === 'ready' ? resolve() : reject(new Error(`host worker: unexpected ${reply.kind}`))));
    });
    return new HostWorker(worker);
  }

  async messagePortChannel(): Promise<Channel> {
    const capwirePorts = new MessageChannel();
    const jsonPorts = new MessageChannel();
    this.worker.postMessage({ kind: 'capwire', port: capwirePorts.port2 } satisfies WorkerCommand, [capwirePorts.port2]);
    this.worker.postMessage({ kind: 'json', port: jsonPorts.port2 } satisfies WorkerCommand, [jsonPorts.port2]);
    const client = await Client.connect(new MessagePortTransport(capwirePorts.port1));
    const json = new JsonBridgeClient(textPort(jsonPorts.port1));
    return {
      transport: 'MessagePort',
      contenders: contendersFor(client, json),
      close() {
        client.close();
        jsonPorts.port1.close();
      },
    };
  }

  /** The worker's loopback WebSocket server (started on first use). */
  webSocketUrl(): Promise<string> {
    this.wsUrl ??= this.startWebSocket();
    return this.wsUrl;
  }

  private async startWebSocket(): Promise<string> {
    const port = await new Promise<number>((resolve) => {
      const onMessage = (reply: WorkerReply): void => {
        if (reply.kind !== 'ws') return;
        this.worker.off('message', onMessage);
        resolve(reply.port);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ kind: 'ws' } satisfies WorkerCommand);
    });
    return `ws://127.0.0.1:${port}`;
  }

  /** The same server over HTTP (the Chromium bench page). */
  async httpUrl(): Promise<string> {
    return (await this.webSocketUrl()).replace(/^ws:/, 'http:');
  }

  async webSocketChannel(): Promise<Channel> {
    const url = await this.webSocketUrl();
    const client = await Client.connect(await connectWebSocket(`${url}/capwire`));
    const socket = await openTextWebSocket(`${url}/json`);
    const json = new JsonBridgeClient(textWebSocket(socket));
    return {
      transport: 'WebSocket',
      contenders: contendersFor(client, json),
      close() {
        client.close();
        socket.close();
      },
    };
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
