// capwire fuzz against throwaway hosts with planted defects: each defect must
// be reported (with a reproducer that replays) within seconds; the real
// policy host must run green.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.js';
import { fuzz } from '../../src/fuzz/fuzzer.js';
import { serializeInput } from '../../src/fuzz/input.js';
import { generateInput, type MutatorContext } from '../../src/fuzz/mutate.js';
import { Rng } from '../../src/fuzz/random.js';
import { builtinSchemas } from '../../src/protocol/schemas.js';
import { describeServices } from '../../src/protocol/services.js';

const HOSTS = fileURLToPath(new URL('../fixtures/fuzz-hosts/', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'capwire-planted-'));

async function capwire(args: string[]): Promise<{ code: number; text: string; ms: number }> {
  let text = '';
  const sink = new Writable({ write(chunk, _encoding, done) { text += String(chunk); done(); } });
  const started = Date.now();
  const code = await main(args, sink, sink);
  return { code, text, ms: Date.now() - started };
}

const test = suite('capwire fuzz: planted defects');

const PLANTED: [file: string, defect: string, kinds: string[]][] = [
  ['throws.ts', 'a handler callback that throws', ['escaped-exception']],
  ['silent.ts', 'a handler that never responds', ['no-response']],
  ['twice.ts', 'a host that sends a response twice', ['duplicate-response']],
  ['lax-read.ts', 'a TS fs.readFile with a string-prefix check and readFileSync', ['policy-violation', 'tripwire-read']],
  ['lax-write.ts', 'a TS fs.writeFile that follows a symlink out of the write root', ['tripwire-changed', 'policy-violation']],
];

for (const [file, defect, kinds] of PLANTED) {
  test(`${defect} (${file}) is reported within seconds, with a reproducer that replays`, async () => {
    const run = await capwire(['fuzz', '--host', join(HOSTS, file), '--seconds', '30', '--seed', '1', '--budget-ms', '2000', '--minimize-seconds', '4', '--out', out]);
    assert.is(run.code, 1, run.text);
    const finding = /FINDING (\S+) at input (\d+)/.exec(run.text);
    assert.ok(finding, run.text);
    assert.ok(kinds.includes(finding![1]!), `expected ${kinds.join(' or ')}, got: ${run.text}`);
    assert.ok(run.ms < 25_000, `took ${run.ms} ms`);
    const reproducer = /reproducer: (\S+)/.exec(run.text)![1]!;
    const saved = JSON.parse(readFileSync(reproducer, 'utf8'));
    assert.is(saved.finding.kind, finding![1]);
    assert.ok(saved.input.steps.length >= 1);
    assert.match(run.text, `replay with: capwire fuzz --replay ${reproducer}`);
    const again = await capwire(['fuzz', '--replay', reproducer]);
    assert.is(again.code, 1, again.text);
    assert.ok(again.text.includes(`FINDING ${finding![1]}`), again.text);
  });
}

test('a handler that retains memory on every call is reported as memory growth', async () => {
  const report = await fuzz({ seconds: 60, seed: 1, hostModule: join(HOSTS, 'leaky.ts'), heapSampleEvery: 20, artifactDir: out, minimizeMs: 0 });
  assert.is(report.finding?.kind, 'memory-growth', JSON.stringify(report.finding));
  assert.match(report.finding!.message, /memory after GC grew from [\d.]+ MB to/);
  assert.is(JSON.parse(readFileSync(report.reproducerPath!, 'utf8')).input, null, 'a run-level finding replays by seed');
});

test('the real policy host runs green (--seconds 5 --seed 1) and reports its rate and coverage', async () => {
  const run = await capwire(['fuzz', '--seconds', '5', '--seed', '1', '--out', out]);
  assert.is(run.code, 0, run.text);
  assert.match(run.text, /\d+ exec\/s/);
  assert.match(run.text, /methods answered: 13\/13/);
  assert.match(run.text, /no findings/);
});

test('the same seed generates the same inputs; another seed does not', () => {
  const ctx: MutatorContext = {
    methods: describeServices(builtinSchemas()).flatMap((service) => service.methods),
    origins: ['app://main', 'app://other'],
    dict: { paths: ['/ws/a', '/ws/b'], envNames: ['LANG'], programs: ['/bin/echo'], hosts: ['127.0.0.1'], words: ['x'] },
    maxFrameBytes: 1 << 20,
    corpusFrames: [],
  };
  const inputs = (seed: number) => {
    const rng = new Rng(seed);
    return JSON.stringify(Array.from({ length: 200 }, () => serializeInput(generateInput(rng, ctx))));
  };
  assert.is(inputs(7), inputs(7));
  assert.is.not(inputs(7), inputs(8));
});

test.after(() => rmSync(out, { recursive: true, force: true }));
test.run();
