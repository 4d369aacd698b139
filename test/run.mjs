#!/usr/bin/env node
// Runs every test/**/*.test.ts in its own node process (through tsx), two at a
// time, and prints the uvu output of each file. Ends with the line
// "N passed, N failed"; exits non-zero when a test failed or none ran.
// A file that dies before printing uvu's summary counts as one failure.
//   node test/run.mjs [filter]   only files whose path contains filter
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const filter = process.argv[2] ?? '';
const concurrency = Math.max(2, Math.min(4, cpus().length));
const perFileTimeoutMs = 10 * 60 * 1000;

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const stripAnsi = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');

function runFile(file) {
  return new Promise((resolveRun) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n[run] killed after ${perFileTimeoutMs / 1000}s\n`;
      child.kill('SIGKILL');
    }, perFileTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = stripAnsi(output);
      const total = /Total:\s+(\d+)/.exec(text);
      const passed = /Passed:\s+(\d+)/.exec(text);
      let pass = passed ? Number(passed[1]) : 0;
      let fail = total && passed ? Number(total[1]) - Number(passed[1]) : 0;
      if (!total || code !== 0) fail = Math.max(fail, 1);
      if (!total) pass = 0;
      resolveRun({ file, pass, fail, code, signal, text, ms: Date.now() - started });
    });
  });
}

const files = findTests(join(root, 'test')).filter((file) => file.includes(filter));
const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const result = await runFile(file);
    results.push(result);
    const name = relative(root, file);
    const status = result.fail ? 'FAIL' : 'ok  ';
    process.stdout.write(`${status} ${name}  (${result.pass} passed, ${result.fail} failed, ${(result.ms / 1000).toFixed(1)}s)\n`);
    if (result.fail || process.env.CAPWIRE_TEST_VERBOSE) {
      process.stdout.write(result.text.replace(/^/gm, '     | ') + '\n');
      if (result.code !== 0 || result.signal) process.stdout.write(`     exit code ${result.code}${result.signal ? ` signal ${result.signal}` : ''}\n`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));

const passed = results.reduce((sum, r) => sum + r.pass, 0);
const failed = results.reduce((sum, r) => sum + r.fail, 0);
if (files.length === 0) process.stdout.write('no test files found\n');
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
