import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/capwire.js', import.meta.url));
const test = suite('cli: capwire call');

let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'capwire-call-'));
  mkdirSync(join(dir, 'data/out'), { recursive: true });
  mkdirSync(join(dir, 'data/private'), { recursive: true });
  mkdirSync(join(dir, 'data-evil'));
  writeFileSync(join(dir, 'data/a.txt'), 'alpha');
  writeFileSync(join(dir, 'data/private/key'), 'secret');
  writeFileSync(join(dir, 'data-evil/x'), 'evil');
  symlinkSync('/etc', join(dir, 'data/etc-link'));
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      version: 1,
      grants: [
        { capability: 'fs.read', origins: ['app://main'], paths: ['data'] },
        { capability: 'fs.write', origins: ['app://main'], paths: ['data/out'] },
        { capability: 'env.read', origins: ['*'], names: ['LANG'] },
        { capability: 'process.spawn', origins: ['app://main'], programs: ['/bin/echo'] },
      ],
      deny: [{ capability: 'fs.read', origins: ['*'], paths: ['data/private'] }],
    }),
  );
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const run = (lines: string[], extra: string[] = []) =>
  spawnSync(process.execPath, [bin, 'call', '--policy', join(dir, 'policy.json'), '--batch', '-', ...extra], {
    input: lines.join('\n') + '\n',
    env: { ...process.env, LANG: 'C.UTF-8' },
  });

test('answers one line per input line, in order, through host and native checks', () => {
  const lines = [
    { origin: 'app://main', method: 'fs.readFile', params: { path: join(dir, 'data/a.txt') } },
    { origin: 'app://main', method: 'fs.readFile', params: { path: join(dir, 'data/private/key') } },
    { origin: 'app://main', method: 'fs.readFile', params: { path: join(dir, 'data-evil/x') } },
    { origin: 'app://main', method: 'fs.readFile', params: { path: join(dir, 'data/etc-link/passwd') } },
    { origin: 'app://evil', method: 'fs.readFile', params: { path: join(dir, 'data/a.txt') } },
    { origin: 'app://main', method: 'fs.writeFile', params: { path: join(dir, 'data/out/w.txt'), data: Buffer.from('hi').toString('base64') } },
    { origin: 'app://evil', method: 'env.get', params: { name: 'LANG' } },
    { origin: 'app://main', method: 'process.spawn', params: { program: '/bin/echo', args: ['a b', '$HOME'] } },
    { origin: 'app://main', method: 'fs.readFile', params: { path: join(dir, 'data/missing') } },
    { origin: 'app://main', method: 'fs.readFile', params: { path: ['not', 'a', 'string'] } },
    { origin: 'app://main', method: 'fs.nope', params: {} },
  ].map((line) => JSON.stringify(line));
  const result = run(lines);
  assert.is(result.status, 0, result.stderr.toString());
  const out = result.stdout.toString().trim().split('\n').map((line) => JSON.parse(line));
  assert.is(out.length, lines.length);
  assert.equal(out[0], { ok: true, result: { data: Buffer.from('alpha').toString('base64') } });
  assert.equal(out.map((o) => (o.ok ? 'OK' : o.error.code)), [
    'OK', 'PERMISSION_DENIED', 'PERMISSION_DENIED', 'PERMISSION_DENIED', 'PERMISSION_DENIED', 'OK', 'OK', 'OK',
    'NOT_FOUND', 'INVALID_ARGUMENT', 'UNKNOWN_METHOD',
  ]);
  assert.match(out[4].error.message, /origin "app:\/\/evil"/);
  assert.is(readFileSync(join(dir, 'data/out/w.txt'), 'utf8'), 'hi');
  assert.equal(out[6].result, { present: true, value: 'C.UTF-8' });
  assert.is(Buffer.from(out[7].result.stdout, 'base64').toString(), 'a b $HOME\n');
});

test('malformed input lines get error lines, never a crash', () => {
  const lines = ['not json', '[]', '{"method":"os.info","params":{}}', '{"origin":"app://main","method":"os.info","params":[]}', '{"origin":"app://main","method":"os.info","extra":1}', ''];
  const result = run(lines);
  assert.is(result.status, 0, result.stderr.toString());
  const out = result.stdout.toString().trim().split('\n').map((line) => JSON.parse(line));
  assert.is(out.length, lines.length);
  assert.equal(out.map((o) => o.error.code), ['MALFORMED_MESSAGE', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'MALFORMED_MESSAGE']);
  assert.match(out[2].error.message, /"origin" is required/);
});

test('reads a batch file as well as stdin', () => {
  writeFileSync(join(dir, 'batch.jsonl'), `${JSON.stringify({ origin: 'app://main', method: 'fs.stat', params: { path: join(dir, 'data/a.txt') } })}\n`);
  const result = spawnSync(process.execPath, [bin, 'call', '--policy', join(dir, 'policy.json'), '--batch', join(dir, 'batch.jsonl')]);
  assert.is(result.status, 0, result.stderr.toString());
  const line = JSON.parse(result.stdout.toString());
  assert.is(line.result.isFile, true);
  assert.is(line.result.size, '5');
});

test('a bad policy or missing flags exit 1 with a clear message', () => {
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 1, grants: [{ capability: 'fs.read', paths: ['x'] }] }));
  const bad = spawnSync(process.execPath, [bin, 'call', '--policy', join(dir, 'bad.json'), '--batch', '-'], { input: '' });
  assert.is(bad.status, 1);
  assert.match(bad.stderr.toString(), /grants\[0\].origins/);
  const missing = spawnSync(process.execPath, [bin, 'call', '--batch', '-'], { input: '' });
  assert.is(missing.status, 1);
  assert.match(missing.stderr.toString(), /--policy FILE is required/);
});

test.run();
