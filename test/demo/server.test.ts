/**
 * `capwire demo` as a child process: the one printed line, page headers, the
 * upgrade gate over real sockets, a Node client through the gate, port in use,
 * and a clean exit on SIGINT.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Client } from '../../src/client/client.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { CLI, type DemoProcess, REPO, startDemo, tempDir, tryUpgrade } from '../helpers/demo.js';
import { rejectsWith } from '../helpers/rpc.js';

function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, setHost: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let demo: DemoProcess;
const test = suite('capwire demo (child process)');
test.before(async () => {
  demo = await startDemo();
});
test.after(async () => {
  await demo.stop();
});

test('prints exactly one line: the URL with a fresh 256-bit token in the fragment', async () => {
  assert.is(demo.stdout().split('\n').filter(Boolean).length, 1);
  assert.match(demo.stdout(), /^capwire demo: http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}\n$/);
  const other = await startDemo();
  try {
    assert.is.not(other.token, demo.token);
  } finally {
    await other.stop();
  }
});

test('the page is served under a strict CSP, with nosniff and no inline code', async () => {
  const page = await get(demo.port, '/');
  assert.is(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", `connect-src ws://127.0.0.1:${demo.port} ws://localhost:${demo.port}`, "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
    assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
  }
  assert.not.match(csp, /unsafe-inline|unsafe-eval/);
  assert.is(page.headers['x-content-type-options'], 'nosniff');
  assert.not.match(page.body, /<script(?![^>]*\bsrc=)[^>]*>/); // every script is external
  assert.not.match(page.body, /<style|style=/);
  for (const path of ['/app.js', '/capwire.js', '/style.css', '/demo-info.js']) {
    const asset = await get(demo.port, path);
    assert.is(asset.status, 200, path);
    assert.ok(asset.headers['content-security-policy'], `${path} without CSP`);
  }
  const bundle = (await get(demo.port, '/capwire.js')).body;
  assert.not.match(bundle, /from ["']node:|require\(["'](fs|path|crypto|ws)["']\)/);
  assert.is((await get(demo.port, '/../package.json')).status, 404);
});

test('page requests with a foreign Host header (DNS rebinding) are refused', async () => {
  assert.is((await get(demo.port, '/', `evil.example:${demo.port}`)).status, 403);
  assert.is((await get(demo.port, '/demo-info.js', `evil.example:${demo.port}`)).status, 403);
  assert.is((await get(demo.port, '/', `localhost:${demo.port}`)).status, 200);
});

test('the page info names the workspace and the policy granting the demo origin', async () => {
  const info = (await get(demo.port, '/demo-info.js')).body;
  const json = JSON.parse(info.replace(/^export default /, '').replace(/;\s*$/, '')) as { workspace: string; policy: string };
  assert.is(json.workspace, demo.workspace);
  for (const capability of ['fs.read', 'fs.write', 'env.read', 'os.info', 'process.spawn']) assert.ok(json.policy.includes(`"${capability}"`));
  assert.ok(json.policy.includes(demo.origin));
  assert.ok(json.policy.includes('/bin/echo'));
});

test('upgrades without the right Origin, Host or token get no 101', async () => {
  const ok = { Host: `127.0.0.1:${demo.port}`, Origin: demo.origin, 'Sec-WebSocket-Protocol': `capwire.v1, token.${demo.token}` };
  const cases: [string, Record<string, string>][] = [
    ['wrong Origin', { ...ok, Origin: 'http://evil.example' }],
    ['Origin of another local port', { ...ok, Origin: `http://127.0.0.1:${demo.port + 1}` }],
    ['wrong Host (rebinding)', { ...ok, Host: `evil.example:${demo.port}` }],
    ['missing token', { ...ok, 'Sec-WebSocket-Protocol': 'capwire.v1' }],
    ['wrong token', { ...ok, 'Sec-WebSocket-Protocol': `capwire.v1, token.${'0'.repeat(64)}` }],
  ];
  for (const [name, headers] of cases) {
    const outcome = await tryUpgrade(demo.port, headers);
    assert.ok(outcome.status >= 400 && outcome.status < 500, `${name}: got ${outcome.status}`);
  }
  const { Origin: _, ...noOrigin } = ok;
  assert.is((await tryUpgrade(demo.port, noOrigin)).status, 403);
  const accepted = await tryUpgrade(demo.port, ok);
  assert.is(accepted.status, 101);
  assert.is(accepted.protocol, 'capwire.v1'); // the token is never echoed back
});

test('a client through the gate gets the demo grants: allowed calls work, others are PERMISSION_DENIED', async () => {
  const transport = await WebSocketTransport.connect(`ws://127.0.0.1:${demo.port}/capwire`, {
    WebSocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: demo.origin });
      }
    },
    protocols: ['capwire.v1', `token.${demo.token}`],
  });
  const client = await Client.connect(transport);
  try {
    assert.is(client.welcome.origin, demo.origin);
    const path = join(demo.workspace, 'from-node.txt');
    await client.call('fs.writeFile', { path, data: Buffer.from('hi\n').toString('base64') });
    assert.is(readFileSync(path, 'utf8'), 'hi\n');
    const echo = await client.call('process.spawn', { program: '/bin/echo', args: ['ok'] });
    assert.is(Buffer.from(String(echo['stdout']), 'base64').toString(), 'ok\n');
    await rejectsWith(client.call('fs.readFile', { path: '/etc/passwd' }), 'PERMISSION_DENIED');
    await rejectsWith(client.call('fs.readFile', { path: join(demo.workspace, 'private/secret.txt') }), 'PERMISSION_DENIED');
    await rejectsWith(client.call('process.spawn', { program: '/bin/sh', args: ['-c', 'id'] }), 'PERMISSION_DENIED');
    await rejectsWith(client.call('env.get', { name: 'HOME' }), 'PERMISSION_DENIED');
  } finally {
    client.close();
  }
});

test('--policy FILE replaces the demo policy', async () => {
  const dir = tempDir('capwire-demo-policy-');
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify({ version: 1, grants: [{ capability: 'os.info', origins: ['app://nobody'] }] }));
  const custom = await startDemo(['--policy', file]);
  try {
    const info = (await get(custom.port, '/demo-info.js')).body;
    assert.ok(info.includes('app://nobody'));
  } finally {
    await custom.stop();
  }
});

test('a port in use: one clear line on stderr and exit 1', () => {
  const result = spawnSync(process.execPath, [CLI, 'demo', '--port', String(demo.port), '--workspace', tempDir('capwire-demo-ws-')], { cwd: REPO, encoding: 'utf8', timeout: 20_000 });
  assert.is(result.status, 1);
  assert.is(result.stdout, '');
  assert.is(result.stderr.trim().split('\n').length, 1);
  assert.match(result.stderr, new RegExp(`port ${demo.port} .*already in use.*--port 0`));
});

test('SIGINT closes sessions and exits 0', async () => {
  const other = await startDemo();
  const transport = await WebSocketTransport.connect(`ws://127.0.0.1:${other.port}/capwire`, {
    WebSocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: other.origin });
      }
    },
    protocols: ['capwire.v1', `token.${other.token}`],
  });
  const client = await Client.connect(transport);
  const closed = new Promise<string>((resolve) => transport.on('close', resolve));
  assert.is(await other.stop(), 0);
  assert.match(await closed, /shutting down|closed/);
  assert.ok(client.closed);
});

test.run();
