// Programs started by the engine never outlive what started them: an aborted
// process.spawn and a closed startProcess handle kill the whole process group,
// a stream reader that stops reading stops the program at a full pipe, and
// starting and stopping many programs leaves the fd table as it was.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type NativeEngine, type NativeOutcome, type NativeProcess, openEngine } from '../../src/native/binding.js';
import { type PolicyRule, encodePolicyBlob } from '../../src/native/policy-blob.js';
import { openFds, processAlive, waitFor } from '../helpers/processes.js';
import { sleep } from '../helpers/rpc.js';

const MAIN = 'app://main';
const test = suite('native process lifecycle');
const dir = mkdtempSync(join(tmpdir(), 'capwire-proc-'));
const rules: PolicyRule[] = [
  { effect: 'grant', origin: MAIN, capability: 'process.spawn', scopeKind: 'program', scopeValue: '/bin/sh' },
  { effect: 'grant', origin: MAIN, capability: 'process.spawn', scopeKind: 'program', scopeValue: '/bin/echo' },
];
let engine: NativeEngine;

test.before(() => {
  engine = openEngine(encodePolicyBlob(rules));
});
test.after(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads a pid a child wrote to a file once it appears. */
async function pidFrom(file: string): Promise<number> {
  assert.ok(await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').endsWith('\n'), 5000), `${file} was written`);
  return Number(readFileSync(file, 'utf8').trim());
}

function started(outcome: ReturnType<NativeEngine['startProcess']>): NativeProcess {
  if (outcome.code !== 'OK') throw new Error(`expected a process, got ${outcome.code}: ${outcome.message}`);
  return outcome.process;
}

async function readAll(program: NativeProcess) {
  let stdout = '';
  let stderr = '';
  for (;;) {
    const piece = await program.read(64 * 1024);
    if (piece.code !== 'OK') return { code: piece.code, stdout, stderr };
    stdout += Buffer.from(piece.result.stdout).toString();
    stderr += Buffer.from(piece.result.stderr).toString();
    if (piece.result.exited) return { code: 'OK', stdout, stderr, exitCode: piece.result.exitCode, signal: piece.result.signal };
  }
}

test('an aborted process.spawn kills the program and its children at once: CANCELLED', async () => {
  const pidFile = join(dir, 'grandchild.pid');
  const controller = new AbortController();
  const began = Date.now();
  const outcome = engine.call(MAIN, 'process.spawn', { program: '/bin/sh', args: ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], timeoutMs: 60_000 }, controller.signal);
  const grandchild = await pidFrom(pidFile);
  assert.ok(processAlive(grandchild));
  controller.abort();
  const result = (await outcome) as Extract<NativeOutcome, { message: string }>;
  assert.is(result.code, 'CANCELLED');
  assert.match(result.message, /cancelled \(the process group was killed\)/);
  assert.ok(Date.now() - began < 5000, 'did not wait for the 30 s sleep');
  assert.ok(await waitFor(() => !processAlive(grandchild), 2000), 'the grandchild in the process group is gone');
});

test('a process.spawn aborted before it starts never runs the program', async () => {
  const marker = join(dir, 'ran');
  const controller = new AbortController();
  controller.abort();
  const outcome = await engine.call(MAIN, 'process.spawn', { program: '/bin/sh', args: ['-c', `echo > ${marker}`] }, controller.signal);
  assert.is(outcome.code, 'CANCELLED');
  await sleep(50);
  assert.not.ok(existsSync(marker));
});

test('startProcess streams stdout and stderr, then the exit code with the last piece', async () => {
  const program = started(engine.startProcess(MAIN, { program: '/bin/sh', args: ['-c', 'echo out1; sleep 0.05; echo err1 >&2; echo out2; exit 3'] }));
  const all = await readAll(program);
  program.close();
  assert.equal(all, { code: 'OK', stdout: 'out1\nout2\n', stderr: 'err1\n', exitCode: 3, signal: undefined });
});

test('startProcess is checked like process.spawn: a program not granted is PERMISSION_DENIED and never starts', async () => {
  const outcome = engine.startProcess(MAIN, { program: '/usr/bin/env', args: [] });
  assert.is(outcome.code, 'PERMISSION_DENIED');
  if (outcome.code === 'OK') return;
  assert.match(outcome.message, /program "\/usr\/bin\/env" is not covered by a process.spawn grant/);
  assert.is(outcome.audit?.capability, 'process.spawn');
  assert.is(outcome.audit?.request, 'process.spawnStream /usr/bin/env');
  assert.is(engine.startProcess('https://evil.example', { program: '/bin/echo' }).code, 'PERMISSION_DENIED');
  assert.is(engine.startProcess(MAIN, { program: '/bin/echo', bogus: 1 }).code, 'INVALID_ARGUMENT');
});

test('a reader that stops reading stops the program at a full pipe; close() kills it', async () => {
  const program = started(engine.startProcess(MAIN, { program: '/bin/sh', args: ['-c', 'exec head -c 100000000 /dev/zero'], timeoutMs: 60_000 }));
  const first = await program.read(64 * 1024);
  assert.is(first.code, 'OK');
  await sleep(300);
  // 100 MB were asked for; a pipe holds 64 KiB, so the program must be blocked, not finished.
  assert.ok(processAlive(program.pid), 'the program waits for the reader');
  const status = readFileSync(`/proc/${program.pid}/stat`, 'utf8');
  assert.match(status, /^\d+ \(head\) S /, 'sleeping on the full pipe');
  program.close();
  assert.ok(await waitFor(() => !processAlive(program.pid), 2000));
  assert.is((await program.read(1024)).code, 'CANCELLED', 'a closed handle reads nothing');
});

test('close() while a read is waiting ends that read with CANCELLED and kills the group', async () => {
  const program = started(engine.startProcess(MAIN, { program: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 60_000 }));
  const pending = readAll(program); // reads return empty every 50 ms while the program is quiet
  await sleep(120);
  const began = Date.now();
  program.close();
  assert.is((await pending).code, 'CANCELLED');
  assert.ok(Date.now() - began < 1000);
  assert.ok(await waitFor(() => !processAlive(program.pid), 2000));
});

test('a streamed program past its timeout is killed: TIMEOUT', async () => {
  const program = started(engine.startProcess(MAIN, { program: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 150 }));
  const all = await readAll(program);
  assert.is(all.code, 'TIMEOUT');
  assert.ok(await waitFor(() => !processAlive(program.pid), 2000));
  program.close();
});

test('programs waiting in process.spawn hold no pool thread: other calls are served meanwhile', async () => {
  // Twice the pool size (4) of quiet programs: held threads would queue the call below behind them.
  const sleepers = Array.from({ length: 8 }, () => engine.call(MAIN, 'process.spawn', { program: '/bin/sh', args: ['-c', 'sleep 1'] }));
  let sleepersDone = 0;
  for (const sleeper of sleepers) void sleeper.then(() => sleepersDone++);
  await sleep(100);
  const echo = await engine.call(MAIN, 'process.spawn', { program: '/bin/echo', args: ['served'] });
  assert.is(echo.code, 'OK');
  assert.is(sleepersDone, 0, 'served while all eight programs were still sleeping');
  for (const outcome of await Promise.all(sleepers)) assert.is(outcome.code, 'OK');
});

test('starting and stopping 200 programs leaves no fd and no child behind', async () => {
  // Warm up: the first calls may open fds that live for the process (thread pool, signal pipes).
  started(engine.startProcess(MAIN, { program: '/bin/echo', args: ['warm'] })).close();
  await engine.call(MAIN, 'process.spawn', { program: '/bin/echo', args: ['warm'] }, new AbortController().signal);
  const before = openFds();
  const pids: number[] = [];
  for (let i = 0; i < 50; i++) {
    const finished = started(engine.startProcess(MAIN, { program: '/bin/echo', args: [String(i)] }));
    assert.is((await readAll(finished)).stdout, `${i}\n`);
    finished.close();
    const stopped = started(engine.startProcess(MAIN, { program: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 60_000 }));
    pids.push(stopped.pid);
    stopped.close();
    const abandoned = started(engine.startProcess(MAIN, { program: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 60_000 }));
    pids.push(abandoned.pid);
    const reading = abandoned.read(1024);
    abandoned.close();
    assert.is((await reading).code, 'CANCELLED');
    const controller = new AbortController();
    const spawned = engine.call(MAIN, 'process.spawn', { program: '/bin/sh', args: ['-c', 'sleep 30'], timeoutMs: 60_000 }, controller.signal);
    setTimeout(() => controller.abort(), 5);
    assert.is((await spawned).code, 'CANCELLED');
  }
  assert.is(openFds(), before, 'every pipe was closed');
  assert.ok(await waitFor(() => pids.every((pid) => !processAlive(pid)), 3000), 'every program is gone');
});

test.run();
