/**
 * The benchmark suite: runs every section with its baselines in the same
 * process and run, collects the rows, checks them against the targets of
 * issue 8 and saves JSON + the throughput chart under bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openat2Available } from '../native/binding.js';
import { packageRoot } from '../native/load-addon.js';
import { runBrowser } from './browser.js';
import { runCheck } from './check.js';
import { runCodec } from './codec.js';
import { runConcurrency, runSessions } from './concurrency.js';
import { runReadFile } from './readfile.js';
import { type BenchResult, renderChart, renderTable } from './report.js';
import { type Budget, type CurvePoint, formatSizeLabel, HostWorker, measureChannel, memoryChannel, SIZES } from './roundtrip.js';
import type { Row } from './stats.js';

export const SECTIONS = ['codec', 'check', 'roundtrip', 'concurrency', 'memory', 'readfile', 'browser'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly quick: boolean;
  /** Run only these sections (default: all). */
  readonly only?: readonly SectionName[];
  /** Where to save results; undefined: do not save. */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

interface Budgets {
  roundtrip: Budget;
  codec: { reps: number; repMs: number };
  check: { reps: number; repMs: number };
  readfile: { reps: number; repMs: number; bigMinCalls: number };
  concurrency: { reps: number; repMs: number };
  browser: { reps: number; repMs: number; bigMinCalls: number };
  sessionReps: number;
}

const QUICK: Budgets = {
  roundtrip: { reps: 3, repMs: 70, minCalls: 2, bigMinCalls: 1, maxCalls: 20_000, warmMs: 250 },
  codec: { reps: 3, repMs: 40 },
  check: { reps: 3, repMs: 15 },
  readfile: { reps: 3, repMs: 120, bigMinCalls: 1 },
  concurrency: { reps: 3, repMs: 150 },
  browser: { reps: 3, repMs: 200, bigMinCalls: 2 },
  sessionReps: 1,
};

const FULL: Budgets = {
  roundtrip: { reps: 5, repMs: 400, minCalls: 5, bigMinCalls: 3, maxCalls: 100_000, warmMs: 1500 },
  codec: { reps: 5, repMs: 250 },
  check: { reps: 5, repMs: 120 },
  readfile: { reps: 5, repMs: 500, bigMinCalls: 2 },
  concurrency: { reps: 5, repMs: 600 },
  browser: { reps: 5, repMs: 1000, bigMinCalls: 5 },
  sessionReps: 3,
};

export function defaultOutDir(): string {
  return join(packageRoot(), 'bench', 'results');
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const budgets = options.quick ? QUICK : FULL;
  const wanted = (section: SectionName) => !options.only || options.only.includes(section);
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const loadAtStart = loadavg()[0]!;
  const rows: Row[] = [];
  const curve: CurvePoint[] = [];
  const skipped: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'capwire-bench-'));
  let worker: HostWorker | undefined;
  const section = (name: string) => log(`${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  try {
    if (wanted('codec')) {
      section('encode+decode');
      rows.push(...runCodec(budgets.codec, log));
    }
    if (wanted('check')) {
      section('permission check');
      rows.push(...runCheck(budgets.check, log));
    }
    if (wanted('roundtrip') || wanted('concurrency') || wanted('browser')) worker = await HostWorker.start(dataDir);
    if (wanted('roundtrip')) {
      section('round trip: memory');
      const memory = await memoryChannel(dataDir);
      rows.push(...(await measureChannel(memory, SIZES, budgets.roundtrip, formatSizeLabel, curve, log)));
      await memory.close();
      section('round trip: MessagePort (worker host)');
      const port = await worker!.messagePortChannel();
      rows.push(...(await measureChannel(port, SIZES, budgets.roundtrip, formatSizeLabel, curve, log)));
      await port.close();
      section('round trip: WebSocket (worker host, loopback)');
      const ws = await worker!.webSocketChannel();
      rows.push(...(await measureChannel(ws, SIZES, budgets.roundtrip, formatSizeLabel, curve, log)));
      await ws.close();
    }
    if (wanted('concurrency')) {
      section('concurrency');
      const port = await worker!.messagePortChannel();
      rows.push(...(await runConcurrency(port, budgets.concurrency, log)));
      await port.close();
    }
    if (wanted('memory')) {
      section('memory per idle session');
      rows.push(...(await runSessions(dataDir, budgets.sessionReps, log)));
    }
    if (wanted('readfile')) {
      section('fs.readFile');
      rows.push(...(await runReadFile(dataDir, budgets.readfile, log)));
    }
    if (wanted('browser')) {
      section('Chromium page -> host (WebSocket)');
      const outcome = await runBrowser(worker!, budgets.browser, curve, log);
      if (typeof outcome === 'string') {
        skipped.push(`Chromium figures: ${outcome}`);
        log(`  skipped: ${outcome}`);
      } else {
        rows.push(...outcome);
      }
    }
  } finally {
    await worker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const result: BenchResult = {
    meta: {
      mode: options.quick ? 'quick' : 'full',
      startedAt,
      elapsedMs: Date.now() - started,
      node: process.versions.node,
      platform: `${platform()} ${release()}`,
      cpus: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      resolver: safeResolver(),
      loadAverage: [loadAtStart, loadavg()[0]!],
      skipped,
    },
    rows,
    curve,
    targets: targets(rows),
  };
  if (options.outDir) save(result, options.outDir, log);
  return result;
}

function safeResolver(): string {
  try {
    return openat2Available() ? 'openat2' : 'fallback';
  } catch {
    return 'unavailable';
  }
}

function save(result: BenchResult, outDir: string, log: (line: string) => void): void {
  mkdirSync(outDir, { recursive: true });
  const mode = result.meta.mode;
  const jsonPath = join(outDir, `${mode}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  log(`saved ${jsonPath}`);
  const tablePath = join(outDir, `${mode}.txt`);
  writeFileSync(tablePath, renderTable(result));
  log(`saved ${tablePath}`);
  if (result.curve.length > 0) {
    const svgPath = join(outDir, `throughput-${mode}.svg`);
    const { loadAverage, cpuCount, node } = result.meta;
    const subtitle = `Node ${node}, ${cpuCount} cores, load average ${loadAverage[0].toFixed(1)} -> ${loadAverage[1].toFixed(1)} (shared machine); method: bench/README.md`;
    writeFileSync(svgPath, renderChart(result.curve, `capwire round-trip throughput vs payload size (${mode} run, ${result.meta.startedAt.slice(0, 10)})`, subtitle));
    log(`saved ${svgPath}`);
  }
}

/** The targets of issue 8, read off the rows. */
function targets(rows: readonly Row[]): BenchResult['targets'] {
  const out: { figure: string; target: string; value: string; met: boolean }[] = [];
  const find = (section: string, name: string) => rows.find((r) => r.section === section && r.name === name);
  const fmt = (n: number, digits = 2) => n.toFixed(digits);

  const small = find('round trip', 'MessagePort 100 B p50');
  const smallJson = small?.baselines.find((b) => b.baseline === 'json');
  if (small && smallJson) {
    out.push({ figure: 'small calls (100 B p50, MessagePort) vs JSON bridge', target: 'ratio >= 1.0', value: `${fmt(smallJson.ratio)}x (${fmt(small.capwire.median, 1)} µs vs ${fmt(smallJson.value.median, 1)} µs)`, met: smallJson.ratio >= 1 });
  }
  for (const transport of ['memory', 'MessagePort', 'WebSocket']) {
    const row = find('round trip', `${transport} 1 MiB throughput`);
    if (!row) continue;
    for (const b of row.baselines) {
      out.push({ figure: `1 MiB throughput, ${transport}, vs ${b.baseline}`, target: 'ratio >= 3', value: `${fmt(b.ratio)}x (${fmt(row.capwire.median, 0)} vs ${fmt(b.value.median, 0)} MB/s)`, met: b.ratio >= 3 });
    }
    if (transport === 'memory') {
      out.push({ figure: '1 MiB throughput in process (memory pair)', target: '>= 1 GB/s', value: `${fmt(row.capwire.median / 1000)} GB/s`, met: row.capwire.median >= 1000 });
    }
  }
  const checks = rows.filter((r) => r.section === 'permission check' && r.name.startsWith('100,000 rules'));
  if (checks.length > 0) {
    const worst = checks.reduce((a, b) => (a.capwire.median > b.capwire.median ? a : b));
    out.push({ figure: `permission check at 100,000 rules (worst depth: ${worst.name.split(', ')[1]})`, target: '< 1 µs', value: `${fmt(worst.capwire.median, 0)} ns`, met: worst.capwire.median < 1000 });
    const byCount = (count: string, depth: number) => rows.find((r) => r.section === 'permission check' && r.name === `${count} rules, depth ${depth}`)?.capwire.median;
    const small10 = byCount('10', 8);
    const big = byCount('100,000', 8);
    if (small10 !== undefined && big !== undefined) {
      out.push({ figure: 'check cost growth with rule count (depth 8: 100,000 vs 10 rules)', target: 'flat (<= 1.5x)', value: `${fmt(big / small10)}x`, met: big / small10 <= 1.5 });
    }
  }
  const read = find('fs.readFile', '1 MiB p50');
  if (read) out.push({ figure: 'fs.readFile 1 MiB vs direct fs.promises.readFile', target: '<= 1.3x', value: `${fmt(read.baselines[0]!.ratio)}x`, met: read.baselines[0]!.ratio <= 1.3 });
  for (const row of rows.filter((r) => r.section === 'memory')) {
    out.push({ figure: `memory: ${row.name}`, target: '< 64 KiB', value: `${fmt(row.capwire.median / 1024, 1)} KiB`, met: row.capwire.median < 64 * 1024 });
  }
  return out;
}
