// The shared permission matrix (test/fixtures/permission-matrix.ts) through the
// public path: client -> binary frames -> host -> native checks -> OS, one
// session per origin, with the policy loaded from the DESIGN.md manifest form.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicyHost, type PolicyHost } from '../../src/host/create.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { InProcessClients } from '../../src/host/in-process.js';
import { buildPermissionMatrix, type MatrixCase } from '../fixtures/permission-matrix.js';

/** Native-shaped params -> proto3 JSON (bytes as base64). */
function toJsonParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
  return out;
}

/**
 * Cases that check the engine's own JS-shape re-validation, whose inputs are
 * valid proto3 JSON on the public path: "abc" is valid base64 for bytes, a
 * missing bytes field is empty, and proto3 JSON allows integers as strings.
 */
const PROTO3_JSON_OUTCOME: Record<string, { expect: string; params?: Record<string, unknown> }> = {
  'writeFile data as string': { expect: 'OK' },
  'writeFile data missing': { expect: 'OK' },
  // 10 s rather than the native case's 10 ms, which would race echo's start-up.
  'spawn timeoutMs as string': { expect: 'OK', params: { program: '/bin/echo', args: [], timeoutMs: '10000' } },
  'net.connect port as string': { expect: 'UNKNOWN_METHOD' }, // granted host:port; streams arrive later
};

const m = buildPermissionMatrix();
const test = suite('permission matrix through client -> host -> native');
let bridge: PolicyHost;
let clients: InProcessClients;
const codes = new Map<string, number>();

async function outcome(c: MatrixCase): Promise<{ code: string; message: string; result?: Record<string, unknown> }> {
  const client = await clients.clientFor(c.origin);
  try {
    const params = PROTO3_JSON_OUTCOME[c.name]?.params ?? toJsonParams(c.params);
    return { code: 'OK', message: '', result: await client.call(c.method, params) };
  } catch (error) {
    const failure = error as { code: string; message: string };
    return { code: failure.code, message: failure.message };
  }
}

test.before(() => {
  bridge = createPolicyHost({ policy: parsePolicy(m.manifest, m.root) });
  clients = new InProcessClients(bridge.host);
  m.afterOpen();
});

test.after(async () => {
  await clients.closeAll();
  bridge.close();
  console.log(`[matrix public path] ${m.cases.length} cases: ${[...codes].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  m.cleanup();
});

test('the manifest form resolves to the same rules the native suite uses', () => {
  const policy = parsePolicy(m.manifest, m.root);
  const key = (r: { effect: string; origin: string; capability: string; scopeKind: string; scopeValue: string }) => `${r.effect} ${r.origin} ${r.capability} ${r.scopeKind} ${r.scopeValue}`;
  assert.equal(policy.rules.map(key), m.rules.map(key));
  assert.ok(m.cases.length >= 150);
});

for (const c of m.cases) {
  test(`${c.name} [${c.origin}]`, async () => {
    const got = await outcome(c);
    codes.set(got.code, (codes.get(got.code) ?? 0) + 1);
    assert.is(got.code, PROTO3_JSON_OUTCOME[c.name]?.expect ?? c.expect, `${c.method} ${JSON.stringify(toJsonParams(c.params))} as ${c.origin}: ${got.code} ${got.message}`);
    const text = JSON.stringify(got.result ?? {});
    for (const secret of m.secrets) {
      const encoded = Buffer.from(secret).toString('base64');
      assert.not.ok(text.includes(secret) || text.includes(encoded), `result leaks ${secret}`);
    }
    if (got.code === 'OK' && got.result) {
      const r = got.result;
      if (c.expectData !== undefined) assert.is(Buffer.from(r['data'] as string, 'base64').toString('utf8'), c.expectData);
      if (c.expectStdout !== undefined) assert.is(Buffer.from(r['stdout'] as string, 'base64').toString('utf8'), c.expectStdout);
      if (c.expectEntries !== undefined) {
        const entries = r['entries'] as { name: string; isFile: boolean; isDirectory: boolean }[];
        assert.equal(entries.map((e) => `${e.name}:${e.isFile ? 'file' : e.isDirectory ? 'dir' : 'other'}`), c.expectEntries);
      }
    }
    if (got.code === 'PERMISSION_DENIED') assert.ok(got.message.includes(JSON.stringify(c.origin)), `names the origin: ${got.message}`);
  });
}

test.run();
