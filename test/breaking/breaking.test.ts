// capwire breaking, checked against buf: each pair of schemas (OLD, NEW) is
// written to a temp dir and judged by capwire's checker and by
// `buf breaking NEW --against OLD --error-format=json` with WIRE_JSON. They must
// report the same rules on every pair, at the same line:col (except for
// deletions, which capwire locates in OLD and buf in NEW). The bridge pairs, where capwire is
// stricter on purpose, are asserted separately.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { BRIDGE_RULES, checkBreaking, type Break } from '../../src/breaking/check.js';
import { loadSide } from '../../src/breaking/load.js';
import { breakingCommand } from '../../src/cli/breaking.js';
import { PAIRS, BRIDGE_PAIRS, type Pair } from './breaking-pairs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BUF = join(root, 'node_modules/.bin/buf');
const BUF_YAML = 'version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n';
const DELETION_RULES = /_NO_DELETE/;
const test = suite('capwire breaking vs buf WIRE_JSON');
const work = mkdtempSync(join(tmpdir(), 'capwire-breaking-'));

function writeTree(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'buf.yaml'), BUF_YAML);
  // buf must resolve the capwire options import; capwire resolves it itself.
  mkdirSync(join(dir, 'capwire/v1'), { recursive: true });
  cpSync(join(root, 'proto/capwire/v1/options.proto'), join(dir, 'capwire/v1/options.proto'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

interface Finding { readonly path: string; readonly line: number; readonly col?: number; readonly rule: string }

function buf(dir: string): Promise<Finding[]> {
  return new Promise((resolve, reject) => {
    execFile(BUF, ['breaking', 'new', '--against', 'old', '--error-format=json'], { cwd: dir }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: number }).code : 0;
      if (code !== 0 && code !== 100) {
        reject(new Error(`buf failed (${String(code)}): ${stderr}`));
        return;
      }
      resolve(
        stdout.split('\n').filter(Boolean).map((line) => {
          const finding = JSON.parse(line) as { path: string; start_line: number; start_column: number; type: string };
          return { path: finding.path.replace(/^new\//, ''), line: finding.start_line, col: finding.start_column, rule: finding.type };
        }),
      );
    });
  });
}

function capwire(dir: string): Break[] {
  return checkBreaking(loadSide(join(dir, 'old')), loadSide(join(dir, 'new')));
}

/** What both must agree on: rule, file and (except for deletions) line and column. */
const key = (f: Finding): string => `${f.rule} ${f.path}${DELETION_RULES.test(f.rule) ? '' : `:${f.line}:${f.col}`}`;
const sorted = (findings: readonly Finding[]): string[] => findings.map(key).sort();

const results = new Map<string, { ours: Break[]; theirs: Finding[] }>();

test.before(async () => {
  const all = [...PAIRS, ...BRIDGE_PAIRS];
  const queue = [...all];
  const runOne = async (pair: Pair): Promise<void> => {
    const dir = join(work, pair.name.replace(/[^a-z0-9]+/gi, '-'));
    writeTree(join(dir, 'old'), pair.old);
    writeTree(join(dir, 'new'), pair.new);
    results.set(pair.name, { ours: capwire(dir), theirs: await buf(dir) });
  };
  const workers = Array.from({ length: 6 }, async () => {
    for (let pair = queue.shift(); pair; pair = queue.shift()) await runOne(pair);
  });
  await Promise.all(workers);
});

let agreeing = 0;
let located = 0;
for (const pair of PAIRS) {
  test(`agrees with buf: ${pair.name}`, () => {
    const { ours, theirs } = results.get(pair.name)!;
    assert.equal(sorted(ours), sorted(theirs), `capwire: ${JSON.stringify(ours.map((b) => `${b.path}:${b.line}:${b.col}: ${b.rule}`))}`);
    if (pair.expect) assert.equal([...new Set(ours.map((b) => b.rule))].sort(), [...pair.expect].sort());
    agreeing++;
    located += ours.filter((b) => !DELETION_RULES.test(b.rule)).length;
  });
}

for (const pair of BRIDGE_PAIRS) {
  test(`bridge rule, stricter than buf: ${pair.name}`, () => {
    const { ours, theirs } = results.get(pair.name)!;
    const buffed = ours.filter((b) => !BRIDGE_RULES.includes(b.rule));
    assert.equal(sorted(buffed), sorted(theirs));
    assert.equal([...new Set(ours.filter((b) => BRIDGE_RULES.includes(b.rule)).map((b) => b.rule))].sort(), [...(pair.expect ?? [])].sort());
  });
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk) => (outText += chunk));
  err.on('data', (chunk) => (errText += chunk));
  const code = await breakingCommand(args, out, err);
  return { code, out: outText, err: errText };
}

test('CLI: exit 1 with file:line:col: RULE: message lines, deletions located in OLD', async () => {
  const dir = join(work, 'cli');
  writeTree(join(dir, 'old'), { 'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\n\nmessage Order {\n  string id = 1;\n  int32 count = 2;\n  string note = 3;\n}\n' });
  writeTree(join(dir, 'new'), { 'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\nmessage Order {\n  string id = 1;\n  int64 count = 2;\n}\n' });
  const { code, out } = await cli(['--against', join(dir, 'old'), join(dir, 'new')]);
  assert.is(code, 1);
  assert.equal(out.split('\n').filter(Boolean).map((line) => line.replace(/: [^:]*$/, '')), [
    'shop/v1/shop.proto:5:3: FIELD_WIRE_JSON_COMPATIBLE_TYPE',
    'shop/v1/shop.proto:7:3: FIELD_NO_DELETE_UNLESS_NAME_RESERVED',
    'shop/v1/shop.proto:7:3: FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED',
  ]);
});

test('CLI: exit 0 when compatible, 2 when a proto does not parse', async () => {
  const dir = join(work, 'cli2');
  writeTree(join(dir, 'old'), { 'a.proto': 'syntax = "proto3";\npackage a;\nmessage M { int32 x = 1; }\n' });
  writeTree(join(dir, 'new'), { 'a.proto': 'syntax = "proto3";\npackage a;\nmessage M { uint32 x = 1; string y = 2; }\n' });
  writeTree(join(dir, 'bad'), { 'a.proto': 'syntax = "proto3";\npackage a;\nmessage M { int32 x = ; }\n' });
  assert.equal(await cli(['--against', join(dir, 'old'), join(dir, 'new')]), { code: 0, out: '', err: '' });
  const broken = await cli(['--against', join(dir, 'old'), join(dir, 'bad')]);
  assert.is(broken.code, 2);
  assert.match(broken.err, /illegal/);
  assert.match(broken.err, /\(a\.proto, line 3\)/);
});

test.after(() => {
  console.log(`[breaking] capwire agrees with buf ${agreeing}/${PAIRS.length} pairs (WIRE_JSON), plus ${BRIDGE_PAIRS.length} bridge-rule pairs; ${located} non-deletion findings at buf's line:col`);
  rmSync(work, { recursive: true, force: true });
});

test.run();
