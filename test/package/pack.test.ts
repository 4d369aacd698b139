// npm pack -> install into a fresh project with no compiler on PATH -> use it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const test = suite('package');
const work = mkdtempSync(join(tmpdir(), 'capwire-pack-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

let tarball = '';
let files: string[] = [];

/** Packs a copy of the checkout, so pack-time builds never touch files other tests are using. */
function copyCheckout(): string {
  const copy = join(work, 'checkout');
  const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of listed) {
    if (!existsSync(join(root, file))) continue; // deleted but not yet committed
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(root, file), join(copy, file));
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

test('npm pack ships dist, proto and a linux-x64 prebuild, and leaves out tests and build output', () => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: copyCheckout(), encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  tarball = join(work, info.filename);
  files = info.files.map((f: { path: string }) => f.path);
  console.log(`  tarball ${info.filename}: ${(statSync(tarball).size / 1024).toFixed(1)} KiB packed, ${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${files.length} files`);
  for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/generated/envelope.js', 'proto/capwire/v1/envelope.proto', 'bin/capwire.js', 'native/include/capwire.h']) {
    assert.ok(files.includes(needed), needed);
  }
  assert.ok(files.some((f) => /^prebuilds\/linux-x64\/.*\.node$/.test(f)), 'prebuilds/linux-x64/*.node');
  for (const banned of [/^test\//, /^bench\//, /^build\//, /corpus/, /^src\//, /^\.ci\//]) {
    assert.not.ok(files.some((f) => banned.test(f)), `no ${banned}`);
  }
});

test('installs and runs with no compiler on PATH', () => {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const npmPath = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  for (const [name, target] of [['node', process.execPath], ['npm', npmPath], ['sh', '/bin/sh']] as const) symlinkSync(target, join(bin, name));
  const project = join(work, 'app');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  const env = { HOME: process.env['HOME'] ?? '/root', PATH: bin, npm_config_nodedir: '', npm_config_cache: process.env['npm_config_cache'] ?? join(process.env['HOME'] ?? '/root', '.npm') };
  for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3']) {
    assert.is.not(spawnSync('sh', ['-c', `command -v ${tool}`], { env }).status, 0, `${tool} must not be on PATH`);
  }
  const install = spawnSync(npmPath, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project, env, encoding: 'utf8' });
  assert.is(install.status, 0, install.stderr);
  assert.not.ok(readdirSync(join(project, 'node_modules/capwire')).includes('build'), 'no compiled build/ in the install');
  mkdirSync(join(project, 'data'));
  writeFileSync(join(project, 'data/a.txt'), 'packed');
  writeFileSync(
    join(project, 'main.js'),
    `import { MessageChannel } from 'node:worker_threads';
import { Client, createPolicyHost, MessagePortTransport, parsePolicy } from 'capwire';
const policy = parsePolicy({ version: 1, grants: [{ capability: 'fs.read', origins: ['app://main'], paths: ['data'] }] }, process.cwd());
const { host, close } = createPolicyHost({ policy });
const { port1, port2 } = new MessageChannel();
host.accept(new MessagePortTransport(port2), { origin: 'app://main' });
const client = await Client.connect(new MessagePortTransport(port1));
const { data } = await client.call('fs.readFile', { path: process.cwd() + '/data/a.txt' });
const denied = await client.call('fs.readFile', { path: '/etc/passwd' }).catch((e) => e.code);
console.log(Buffer.from(data, 'base64').toString(), denied);
client.close(); close();
`,
  );
  const run = spawnSync(process.execPath, ['main.js'], { cwd: project, env, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.trim(), 'packed PERMISSION_DENIED');
  const cli = spawnSync(join(project, 'node_modules/.bin/capwire'), ['--help'], { cwd: project, env, encoding: 'utf8' });
  assert.is(cli.status, 0, cli.stderr);
});

test.run();
