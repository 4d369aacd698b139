/**
 * Permission check cost: engine.check(origin, "fs.read", path) through the
 * Node binding, with 10, 1,000 and 100,000 rules and request paths 2..32
 * components deep. Baselines: an unscoped engine.check (os.info), which is
 * the floor of a call into the engine (N-API crossing, hash lookup, outcome
 * object), and a JS no-op with the same arguments. When the C++ benchmark
 * (build-native-tests/capwire_check_bench) exists, its native-only figures
 * are reported next to these.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../native/binding.js';
import { packageRoot } from '../native/load-addon.js';
import { encodePolicyBlob, type PolicyRule } from '../native/policy-blob.js';
import { measure, nowNs, type Row } from './stats.js';

export const SECTION = 'permission check';
export const RULE_COUNTS = [10, 1000, 100_000];
export const DEPTHS = [2, 4, 8, 16, 32];
const ORIGIN = 'app://main';

/** The looked-up origin has one real grant (the root) among filler rules spread over origins, capabilities and sibling paths. */
function rules(count: number, root: string): PolicyRule[] {
  const out: PolicyRule[] = [
    { effect: 'grant', origin: ORIGIN, capability: 'fs.read', scopeKind: 'path', scopeValue: root },
    { effect: 'grant', origin: ORIGIN, capability: 'os.info', scopeKind: 'none', scopeValue: '' },
  ];
  for (let i = out.length; i < count; i++) {
    const other = `app://o${i % 1000}`;
    switch (i % 4) {
      case 0: out.push({ effect: 'grant', origin: other, capability: 'fs.read', scopeKind: 'path', scopeValue: `${root}/d${i}` }); break;
      case 1: out.push({ effect: 'grant', origin: other, capability: 'env.read', scopeKind: 'name', scopeValue: `VAR_${i}` }); break;
      case 2: out.push({ effect: 'grant', origin: ORIGIN, capability: 'fs.read', scopeKind: 'path', scopeValue: `${root}/g${i}/x` }); break;
      default: out.push({ effect: 'deny', origin: ORIGIN, capability: 'fs.read', scopeKind: 'path', scopeValue: `${root}/a/n${i}` }); break;
    }
  }
  return out;
}

/** An absolute path of exactly `depth` components beneath (or equal to) root. */
function pathAtDepth(root: string, depth: number): string {
  const rootDepth = root.split('/').filter(Boolean).length;
  if (depth < rootDepth) throw new Error(`depth ${depth} is above the bench root ${root}`);
  const parts = [];
  for (let i = rootDepth; i < depth; i++) parts.push(i === rootDepth ? 'a' : `c${i}`);
  return parts.length ? `${root}/${parts.join('/')}` : root;
}

function timeIt(fn: () => unknown, repMs: number): number {
  let ops = 0;
  let batch = 64;
  const start = nowNs();
  const until = start + repMs * 1e6;
  let t = start;
  while (t < until) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    t = nowNs();
    if (batch < 8192) batch *= 2;
  }
  return (t - start) / ops;
}

export function runCheck(budget: { reps: number; repMs: number }, log: (line: string) => void): Row[] {
  const rows: Row[] = [];
  // A short root so that depth 2 is the root itself: /tmp/cwbXXXXXX.
  const root = mkdtempSync(join(tmpdir(), 'cwb'));
  try {
    let noopSink = 0;
    const noop = (origin: string, capability: string, scope?: string): { code: string } => {
      noopSink += origin.length + capability.length + (scope?.length ?? 0);
      return { code: 'OK' };
    };
    for (const count of RULE_COUNTS) {
      const started = nowNs();
      const engine = openEngine(encodePolicyBlob(rules(count, root)));
      const loadMs = (nowNs() - started) / 1e6;
      try {
        const floor = () => engine.check(ORIGIN, 'os.info');
        for (const depth of DEPTHS) {
          const path = pathAtDepth(root, depth);
          const outcome = engine.check(ORIGIN, 'fs.read', path);
          if (outcome.code !== 'OK') throw new Error(`check bench: ${path} should be allowed, got ${outcome.code}`);
          const check = () => engine.check(ORIGIN, 'fs.read', path);
          const jsNoop = () => noop(ORIGIN, 'fs.read', path);
          const samples = { check: [] as number[], floor: [] as number[], noop: [] as number[] };
          timeIt(check, budget.repMs / 2);
          for (let rep = 0; rep < budget.reps; rep++) {
            samples.check.push(timeIt(check, budget.repMs));
            samples.floor.push(timeIt(floor, budget.repMs));
            samples.noop.push(timeIt(jsNoop, budget.repMs / 2));
          }
          const own = measure(samples.check);
          const floorM = measure(samples.floor);
          const noopM = measure(samples.noop);
          rows.push({
            section: SECTION,
            name: `${count.toLocaleString('en-US')} rules, depth ${depth}`,
            unit: 'ns/check',
            capwire: own,
            baselines: [
              { baseline: 'unscoped check', value: floorM, ratio: own.median / floorM.median },
              { baseline: 'js no-op', value: noopM, ratio: own.median / noopM.median },
            ],
            howCompared: 'capwire check ns / baseline ns (cost multiple; lower is better)',
            ...(count === 100_000 ? { target: { text: '< 1 µs at 100,000 rules', met: own.median < 1000 } } : {}),
            note: `policy load ${loadMs.toFixed(1)} ms`,
          });
          log(`  ${count} rules depth ${depth}: ${own.median.toFixed(0)} ns (unscoped ${floorM.median.toFixed(0)} ns, no-op ${noopM.median.toFixed(1)} ns)`);
        }
      } finally {
        engine.close();
      }
    }
    if (noopSink < 0) throw new Error('unreachable');
    rows.push(...nativeOnly(log));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

/** The C++ check benchmark, when the native tests have built it: the check without N-API. */
function nativeOnly(log: (line: string) => void): Row[] {
  let binary: string;
  try {
    binary = join(packageRoot(), 'build-native-tests', 'capwire_check_bench');
  } catch {
    return [];
  }
  if (!existsSync(binary)) {
    log('  (native-only figures skipped: build-native-tests/capwire_check_bench not built)');
    return [];
  }
  let output: string;
  try {
    output = execFileSync(binary, ['200000'], { encoding: 'utf8', timeout: 60_000 });
  } catch (error) {
    log(`  (native-only figures skipped: ${(error as Error).message.split('\n')[0]})`);
    return [];
  }
  const rows: Row[] = [];
  const byRules = new Map<string, { path?: number; env?: number }>();
  for (const match of output.matchAll(/rules=(\d+)\s+check=(\w+)\s+([\d.]+) ns\/check/g)) {
    const entry = byRules.get(match[1]!) ?? {};
    entry[match[2] as 'path' | 'env'] = Number(match[3]);
    byRules.set(match[1]!, entry);
  }
  for (const [count, entry] of byRules) {
    if (entry.path === undefined || entry.env === undefined) continue;
    const one = (v: number) => measure([v]);
    rows.push({
      section: SECTION,
      name: `native only (C++), ${Number(count).toLocaleString('en-US')} rules, depth 5`,
      unit: 'ns/check',
      capwire: one(entry.path),
      baselines: [{ baseline: 'env-name check', value: one(entry.env), ratio: entry.path / entry.env }],
      howCompared: 'path check ns / env-name check ns (cost multiple)',
      ...(count === '100000' ? { target: { text: '< 1 µs at 100,000 rules', met: entry.path < 1000 } } : {}),
      note: 'native/bench/check_bench.cc, one run of 200,000 checks (no repetitions)',
    });
    log(`  native only ${count} rules: path ${entry.path} ns, env ${entry.env} ns`);
  }
  return rows;
}
