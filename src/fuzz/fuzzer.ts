/**
 * The fuzz loop: builds the workspace and the target host, generates inputs
 * from the seed, runs each through the oracles, samples memory, and on the
 * first finding minimizes the input and writes a reproducer.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { SchemaSet } from '../protocol/codec/schema.js';
import { loadProtoDirs } from '../protocol/proto-loader.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { describeServices, type MethodDescriptor } from '../protocol/services.js';
import { type CreateFuzzHost, builtinFuzzHost, loadHostModule } from './host.js';
import { deserializeInput, type FuzzInput, serializeInput, type SerializedInput } from './input.js';
import { generateInput, type MutatorContext } from './mutate.js';
import { Rng } from './random.js';
import { ReferenceModel } from './reference.js';
import { EscapeGuard, type Finding, type FindingKind, type FuzzTarget, PROTOCOL_ERRORS, runInput } from './runner.js';
import { buildWorkspace, type FuzzWorkspace } from './workspace.js';

export interface FuzzOptions {
  readonly seconds: number;
  readonly seed: number;
  /** Stop after this many inputs (tests); default: only the clock. */
  readonly maxInputs?: number;
  readonly budgetMs?: number;
  readonly corpusDir?: string;
  readonly protoDirs?: readonly string[];
  /** Path of a --host module; the built-in policy host when absent. */
  readonly hostModule?: string;
  /** Inputs between heap samples (after GC) for the memory-growth oracle (default 400). */
  readonly heapSampleEvery?: number;
  /** Time spent shrinking a failing input (default 20 s). */
  readonly minimizeMs?: number;
  /** Where the reproducer goes (default: the current directory). */
  readonly artifactDir?: string;
  /** Rebuild the workspace at this path (replays). */
  readonly workspacePath?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface Coverage {
  /** method -> outcome code -> count */
  readonly methods: Map<string, Map<string, number>>;
  readonly knownMethods: readonly string[];
}

export interface FuzzReport {
  readonly seed: number;
  readonly inputs: number;
  readonly frames: number;
  readonly elapsedMs: number;
  readonly coverage: Coverage;
  readonly workspace: string;
  readonly finding?: Finding & { readonly iteration: number };
  readonly reproducerPath?: string;
  readonly minimizedFrom?: number;
  readonly minimizedTo?: number;
  readonly heapSamplesMb: readonly number[];
}

export const REPRODUCER_FORMAT = 'capwire-fuzz-reproducer/1';

export interface Reproducer {
  format: typeof REPRODUCER_FORMAT;
  finding: { kind: FindingKind; message: string };
  seed: number;
  iteration: number;
  seconds: number;
  workspace: string;
  host: string | null;
  protoDirs: string[];
  budgetMs: number;
  /** null for run-level findings (memory growth): replay reruns the seed. */
  input: SerializedInput | null;
}

const DEFAULT_BUDGET_MS = 5000;
/** Calls to method names no loaded schema defines are counted under this. */
export const UNKNOWN_METHODS = '(unknown method names)';
const HEAP_SAMPLE_EVERY = 400;
const HEAP_GROWTH_LIMIT_MB = 96;

/** Everything a run needs besides the loop: schemas, methods, dictionary. */
interface Session {
  readonly schemas: SchemaSet[];
  readonly methods: Map<string, MethodDescriptor>;
  readonly createHost: CreateFuzzHost;
  readonly options: FuzzOptions;
  workspace: FuzzWorkspace;
  target: FuzzTarget;
  close: () => Promise<void>;
  sealed: string;
}

function methodsOf(schemas: readonly SchemaSet[]): Map<string, MethodDescriptor> {
  const methods = new Map<string, MethodDescriptor>();
  for (const schema of schemas) {
    for (const service of describeServices(schema)) for (const method of service.methods) if (!methods.has(method.name)) methods.set(method.name, method);
  }
  return methods;
}

async function buildTarget(session: Omit<Session, 'workspace' | 'target' | 'close' | 'sealed'>, workspacePath?: string) {
  const workspace = buildWorkspace(workspacePath);
  const setup = await session.createHost({ workspace: workspace.root, policy: workspace.policy, origins: workspace.origins, schemas: session.schemas });
  const target: FuzzTarget = {
    host: setup.host,
    reference: new ReferenceModel(setup.policy ?? workspace.policy),
    workspace,
    methods: session.methods,
    budgetMs: session.options.budgetMs ?? DEFAULT_BUDGET_MS,
  };
  const close = async (): Promise<void> => {
    await setup.close?.();
    workspace.cleanup();
  };
  return { workspace, target, close, sealed: workspace.sealedDigest() };
}

async function openSession(options: FuzzOptions): Promise<Session> {
  const schemas = [builtinSchemas(), ...(options.protoDirs?.length ? [loadProtoDirs(options.protoDirs)] : [])];
  const base = {
    schemas,
    methods: methodsOf(schemas),
    createHost: options.hostModule ? await loadHostModule(options.hostModule) : builtinFuzzHost,
    options,
  };
  return { ...base, ...(await buildTarget(base, options.workspacePath)) };
}

/** A finding that changed the tree leaves the workspace dirty: start over at the same path. */
async function rebuild(session: Session): Promise<void> {
  const path = session.workspace.root;
  await session.close();
  Object.assign(session, await buildTarget(session, path));
}

const REFUSED_BEFORE_ANY_WRITE = new Set(['PERMISSION_DENIED', 'INVALID_ARGUMENT', 'MALFORMED_MESSAGE', 'UNKNOWN_METHOD', 'RESOURCE_EXHAUSTED']);

/** Whether a call may have changed a write root (then the next input starts from a fresh one). */
function mayHaveWritten(session: Session, call: { method: string; code: string }): boolean {
  const method = session.methods.get(call.method);
  return method?.capability === 'fs.write' && !REFUSED_BEFORE_ANY_WRITE.has(call.code);
}

async function runOnce(session: Session, input: FuzzInput, guard: EscapeGuard) {
  const result = await runInput(session.target, input, guard, session.sealed);
  if (result.finding?.kind === 'tripwire-changed') await rebuild(session);
  else if (result.calls.some((call) => mayHaveWritten(session, call))) session.workspace.resetWriteRoots();
  return result;
}

/** Removes steps (then whole sessions' worth) while the same kind of finding still fires. */
async function minimize(session: Session, input: FuzzInput, kind: FindingKind, guard: EscapeGuard, timeLimitMs: number): Promise<FuzzInput> {
  const stopAt = Date.now() + timeLimitMs;
  const fires = async (candidate: FuzzInput): Promise<boolean> => (await runOnce(session, candidate, guard)).finding?.kind === kind;
  let best = input;
  let chunk = Math.max(1, Math.floor(best.steps.length / 2));
  while (chunk >= 1 && Date.now() < stopAt) {
    let removed = false;
    for (let start = 0; start < best.steps.length && Date.now() < stopAt; ) {
      const candidate = { ...best, steps: [...best.steps.slice(0, start), ...best.steps.slice(start + chunk)] };
      if (candidate.steps.length < best.steps.length && (await fires(candidate))) {
        best = candidate;
        removed = true;
      } else {
        start += chunk;
      }
    }
    if (!removed) chunk = Math.floor(chunk / 2);
  }
  return best;
}

function loadCorpus(dir: string | undefined): { frames: Uint8Array[]; inputs: FuzzInput[] } {
  const frames: Uint8Array[] = [];
  const inputs: FuzzInput[] = [];
  if (!dir || !existsSync(dir)) return { frames, inputs };
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.endsWith('.bin')) frames.push(new Uint8Array(readFileSync(path)));
    if (name.endsWith('.json')) {
      try {
        const json = JSON.parse(readFileSync(path, 'utf8')) as { input?: unknown; steps?: unknown };
        const input = deserializeInput(json.input ?? json);
        inputs.push(input);
        for (const step of input.steps) if (step.frame) frames.push(step.frame);
      } catch {
        // Not an input file: ignore it.
      }
    }
  }
  return { frames, inputs };
}

function gcFunction(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function addCoverage(coverage: Coverage, calls: readonly { method: string; code: string }[]): boolean {
  let fresh = false;
  for (const call of calls) {
    const { code } = call;
    const method = call.method === PROTOCOL_ERRORS || coverage.knownMethods.includes(call.method) ? call.method : UNKNOWN_METHODS;
    let codes = coverage.methods.get(method);
    if (!codes) coverage.methods.set(method, (codes = new Map()));
    if (!codes.has(code)) fresh = true;
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  return fresh;
}

function writeReproducer(options: FuzzOptions, reproducer: Reproducer): string {
  const dir = resolve(options.artifactDir ?? '.');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `capwire-fuzz-${reproducer.finding.kind}-seed${reproducer.seed}-${reproducer.iteration}.json`);
  writeFileSync(path, `${JSON.stringify(reproducer, null, 2)}\n`);
  return path;
}

/** A fuzz run: inputs from the seed until the clock (or maxInputs) runs out or something fires. */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const session = await openSession(options);
  const guard = new EscapeGuard();
  guard.install();
  const gc = gcFunction();
  const corpus = loadCorpus(options.corpusDir);
  const coverage: Coverage = { methods: new Map(), knownMethods: [...session.methods.keys()].sort() };
  const ctx: MutatorContext = {
    methods: [...session.methods.values()],
    origins: session.workspace.origins,
    dict: {
      paths: session.workspace.paths,
      envNames: session.workspace.envNames,
      programs: session.workspace.programs,
      hosts: session.workspace.hosts,
      words: [...session.methods.keys(), ...session.workspace.origins],
    },
    maxFrameBytes: session.target.host.limits?.maxFrameBytes ?? 16 * 1024 * 1024,
    corpusFrames: corpus.frames,
  };
  const rng = new Rng(options.seed);
  const started = Date.now();
  const stopAt = started + options.seconds * 1000;
  const heap: number[] = [];
  let inputs = 0;
  let frames = 0;
  let found: { finding: Finding; iteration: number; input: FuzzInput | null } | undefined;
  try {
    // Corpus inputs first, then generated ones.
    while (!found && Date.now() < stopAt && (options.maxInputs === undefined || inputs < options.maxInputs)) {
      const iteration = inputs;
      // Generation never depends on outcomes or time, so a seed always yields the same inputs.
      const input = iteration < corpus.inputs.length ? corpus.inputs[iteration]! : generateInput(rng, ctx);
      const result = await runOnce(session, input, guard);
      inputs++;
      frames += result.frames;
      if (addCoverage(coverage, result.calls) && options.corpusDir && iteration >= corpus.inputs.length) {
        mkdirSync(options.corpusDir, { recursive: true });
        writeFileSync(join(options.corpusDir, `seed${options.seed}-${iteration}.json`), `${JSON.stringify(serializeInput(input))}\n`);
      }
      if (result.finding) {
        found = { finding: result.finding, iteration, input };
        break;
      }
      if (gc && inputs % (options.heapSampleEvery ?? HEAP_SAMPLE_EVERY) === 0) {
        gc();
        const usage = process.memoryUsage(); // buffers live outside the JS heap: count them too
        heap.push((usage.heapUsed + usage.external) / 2 ** 20);
        const growth = heapGrowth(heap, options.heapSampleEvery ?? HEAP_SAMPLE_EVERY);
        if (growth) found = { finding: { kind: 'memory-growth', message: growth }, iteration, input: null };
      }
    }
    const elapsedMs = Date.now() - started;
    const base = { seed: options.seed, inputs, frames, elapsedMs, coverage, workspace: session.workspace.root, heapSamplesMb: heap };
    if (!found) return base;
    log(`finding at input ${found.iteration}: ${found.finding.kind}: ${found.finding.message}`);
    let minimized = found.input;
    if (minimized) {
      log(`minimizing ${minimized.steps.length} step(s)...`);
      minimized = await minimize(session, minimized, found.finding.kind, guard, options.minimizeMs ?? 20_000);
    }
    const reproducerPath = writeReproducer(options, {
      format: REPRODUCER_FORMAT,
      finding: { kind: found.finding.kind, message: found.finding.message },
      seed: options.seed,
      iteration: found.iteration,
      seconds: options.seconds,
      workspace: session.workspace.root,
      host: options.hostModule ? resolve(options.hostModule) : null,
      protoDirs: (options.protoDirs ?? []).map((dir) => resolve(dir)),
      budgetMs: session.target.budgetMs,
      input: minimized ? serializeInput(minimized) : null,
    });
    return {
      ...base,
      finding: { ...found.finding, iteration: found.iteration },
      reproducerPath,
      ...(found.input && minimized ? { minimizedFrom: found.input.steps.length, minimizedTo: minimized.steps.length } : {}),
    };
  } finally {
    guard.uninstall();
    await session.close();
  }
}

/** Heap after GC keeps climbing: the last samples rise monotonically and far above the first. */
export function heapGrowth(samplesMb: readonly number[], every = HEAP_SAMPLE_EVERY): string | undefined {
  if (samplesMb.length < 6) return undefined;
  const baseline = Math.min(...samplesMb.slice(0, 3));
  const recent = samplesMb.slice(-4);
  const rising = recent.every((value, i) => i === 0 || value > recent[i - 1]!);
  const last = samplesMb[samplesMb.length - 1]!;
  if (rising && last - baseline > HEAP_GROWTH_LIMIT_MB) {
    return `heap + external memory after GC grew from ${baseline.toFixed(1)} MB to ${last.toFixed(1)} MB and is still rising (samples every ${every} inputs: ${samplesMb.map((v) => v.toFixed(0)).join(', ')})`;
  }
  return undefined;
}

/** Replays a reproducer once; the finding it produces now (if any). */
export async function replay(file: string, log: (line: string) => void = () => {}): Promise<{ reproducer: Reproducer; report: FuzzReport; finding?: Finding }> {
  const reproducer = JSON.parse(readFileSync(file, 'utf8')) as Reproducer;
  if (reproducer.format !== REPRODUCER_FORMAT) throw new Error(`${file}: not a capwire fuzz reproducer (format ${JSON.stringify(reproducer.format)})`);
  const options: FuzzOptions = {
    seconds: reproducer.seconds,
    seed: reproducer.seed,
    budgetMs: reproducer.budgetMs,
    protoDirs: reproducer.protoDirs,
    ...(reproducer.host ? { hostModule: reproducer.host } : {}),
    workspacePath: reproducer.workspace,
    log,
  };
  if (!reproducer.input) {
    // Run-level finding: run the same seed for the same time again (no new reproducer file).
    const report = await fuzz({ ...options, artifactDir: mkdtempSync(join(tmpdir(), 'capwire-fuzz-replay-')) });
    return { reproducer, report, ...(report.finding ? { finding: report.finding } : {}) };
  }
  const session = await openSession(options);
  const guard = new EscapeGuard();
  guard.install();
  const started = Date.now();
  try {
    const input = deserializeInput(reproducer.input);
    const result = await runOnce(session, input, guard);
    const coverage: Coverage = { methods: new Map(), knownMethods: [...session.methods.keys()].sort() };
    addCoverage(coverage, result.calls);
    const report: FuzzReport = {
      seed: reproducer.seed, inputs: 1, frames: result.frames, elapsedMs: Date.now() - started, coverage,
      workspace: session.workspace.root, heapSamplesMb: [],
    };
    return { reproducer, report, ...(result.finding ? { finding: result.finding } : {}) };
  } finally {
    guard.uninstall();
    await session.close();
  }
}
