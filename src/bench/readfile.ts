/**
 * fs.readFile through capwire (client -> frames over the memory pair -> host
 * -> native engine: policy check, openat2 beneath the granted root, read)
 * against fs.promises.readFile of the same file in the host process.
 * The 64 MiB case needs larger limits than the defaults: the engine's
 * maxReadBytes (8 MiB) and the 16 MiB frame limit are raised for it.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../client/client.js';
import { decodeMessage, encodeMessage } from '../protocol/codec/binary.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { createMemoryPair } from '../transport/memory.js';
import { makePayload } from './bridges.js';
import { BENCH_ORIGIN, benchHost } from './hosts.js';
import { formatBytes, measure, nowNs, percentile, rotation, type Row } from './stats.js';

export const SECTION = 'fs.readFile';
export const FILE_SIZES = [4 * 1024, 1024 * 1024, 64 * 1024 * 1024];
const LIMIT = 80 * 1024 * 1024;

async function timeCalls(fn: () => Promise<number>, expected: number, repMs: number, minCalls: number): Promise<number> {
  const times: number[] = [];
  const until = nowNs() + repMs * 1e6;
  while (times.length < minCalls || nowNs() < until) {
    const t0 = nowNs();
    const got = await fn();
    times.push(nowNs() - t0);
    if (got !== expected) throw new Error(`readFile bench: expected ${expected} bytes, got ${got}`);
    if (times.length >= 20_000) break;
  }
  return percentile(times.sort((a, b) => a - b), 50) / 1e3;
}

export async function runReadFile(dataDir: string, budget: { reps: number; repMs: number; bigMinCalls: number }, log: (line: string) => void): Promise<Row[]> {
  const policyHost = benchHost({ dataDir, maxFrameBytes: LIMIT, maxReadBytes: LIMIT });
  const [pageEnd, hostEnd] = createMemoryPair();
  policyHost.host.accept(hostEnd, { origin: BENCH_ORIGIN });
  const client = await Client.connect(pageEnd, { limits: { maxFrameBytes: LIMIT } });
  const requestInfo = builtinSchemas().message('capwire.v1.ReadFileRequest');
  const responseInfo = builtinSchemas().message('capwire.v1.ReadFileResponse');
  const rows: Row[] = [];
  try {
    for (const size of FILE_SIZES) {
      const path = join(dataDir, `read-${size}.bin`);
      writeFileSync(path, makePayload(size).bytes);
      const contenders = [
        {
          name: 'capwire',
          run: async () => {
            const reply = await client.callRaw('fs.readFile', encodeMessage(requestInfo, { path }));
            return (decodeMessage(responseInfo, reply)['data'] as Uint8Array).byteLength;
          },
        },
        { name: 'direct', run: async () => (await readFile(path)).byteLength },
      ];
      const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
      const minCalls = size >= 64 * 1024 * 1024 ? budget.bigMinCalls : 5;
      for (const c of contenders) await timeCalls(c.run, size, budget.repMs / 3, 1);
      for (let rep = 0; rep < budget.reps; rep++) {
        for (const c of rotation(contenders, rep)) samples.get(c.name)!.push(await timeCalls(c.run, size, budget.repMs, minCalls));
      }
      const own = measure(samples.get('capwire')!);
      const direct = measure(samples.get('direct')!);
      rows.push({
        section: SECTION,
        name: `${formatBytes(size)} p50`,
        unit: 'µs',
        capwire: own,
        baselines: [{ baseline: 'direct', value: direct, ratio: own.median / direct.median }],
        howCompared: 'capwire time / direct fs.promises.readFile time (overhead; lower is better)',
        ...(size === 1024 * 1024 ? { target: { text: '<= 1.3x direct at 1 MiB', met: own.median / direct.median <= 1.3 } } : {}),
        ...(size > 8 * 1024 * 1024 ? { note: 'engine maxReadBytes and maxFrameBytes raised to 80 MiB for this case' } : {}),
      });
      log(`  readFile ${formatBytes(size)}: capwire ${own.median.toFixed(0)} µs, direct ${direct.median.toFixed(0)} µs`);
    }
  } finally {
    client.close();
    policyHost.close();
  }
  return rows;
}
