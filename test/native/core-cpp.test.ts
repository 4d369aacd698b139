// Builds the C++ core tests with CMake and reports every C++ case as its own
// uvu test; also builds and runs the C example host.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePolicyBlob } from '../../src/native/policy-blob.js';
import { buildCmakeTargets, cmakeBuildDir } from './cmake-build.js';

buildCmakeTargets('capwire_core_tests', 'capwire_example_c', 'capwire_fuzz_policy_blob');

const run = spawnSync(join(cmakeBuildDir, 'capwire_core_tests'), [], { encoding: 'utf8', timeout: 300_000 });
const lines = run.stdout.split('\n');
const cases = lines.filter((l) => l.startsWith('PASS ') || l.startsWith('FAIL '));
for (const l of lines.filter((l) => l.startsWith('RACE '))) console.log(`[c++] ${l}`);

test('C++ test binary ran to completion', () => {
  assert.ok(/^SUMMARY \d+ passed, \d+ failed$/m.test(run.stdout), `no summary; stderr: ${run.stderr}`);
  assert.ok(cases.length >= 20, `only ${cases.length} C++ cases reported`);
});

for (const line of cases) {
  const name = line.slice(5).split(': ')[0] ?? line;
  test(`c++: ${line.startsWith('PASS ') ? line.slice(5) : name}`, () => {
    assert.ok(line.startsWith('PASS '), line);
  });
}

test('C++ test binary exit status is 0', () => {
  assert.is(run.status, 0);
});

test('C example host reads a granted file and shows a denial', () => {
  const ws = mkdtempSync(join(tmpdir(), 'capwire-cex-'));
  try {
    mkdirSync(join(ws, 'data'));
    writeFileSync(join(ws, 'data/hello.txt'), 'hello from C');
    writeFileSync(join(ws, 'secret.txt'), 'nope');
    const out = execFileSync(join(cmakeBuildDir, 'capwire_example_c'), [ws], { encoding: 'utf8' });
    assert.match(out, 'hello from C');
    assert.match(out, /denied: PERMISSION_DENIED: fs\.read denied for origin "app:\/\/main"/);
    assert.match(out, /audit: origin=app:\/\/main capability=fs\.read request=fs\.readFile /);
    assert.not.match(out, 'nope');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('fuzz harness (standalone driver) survives TS-encoded blobs and their mutations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capwire-fuzz-'));
  try {
    const blob = encodePolicyBlob([
      { effect: 'grant', origin: 'app://main', capability: 'fs.read', scopeKind: 'path', scopeValue: '/ws/data' },
      { effect: 'deny', origin: '*', capability: 'env.read', scopeKind: 'name', scopeValue: 'HOME' },
    ]);
    const files: string[] = [];
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(blob);
      for (let k = 0; k <= i % 4; k++) {
        const at = (i * 7919 + k * 104729) % b.length;
        b.writeUInt8((b.readUInt8(at) ^ (1 << ((i + k) % 8))) & 0xff, at);
      }
      const f = join(dir, `case-${i}`);
      writeFileSync(f, i === 0 ? blob : b.subarray(0, b.length - (i % 5)));
      files.push(f);
    }
    const r = spawnSync(join(cmakeBuildDir, 'capwire_fuzz_policy_blob'), files, { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
