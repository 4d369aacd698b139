import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestJsonSchema } from '../../src/policy/manifest.js';
import { capabilitiesGranted, loadPolicyFile, parsePolicy } from '../../src/policy/policy.js';

const BASE = '/srv/app';
const grant = (extra: object) => ({ version: 1, grants: [extra] });

const rejected = suite('policy manifest: rejected with the JSON path and what was expected');

const BAD: [string, unknown, RegExp][] = [
  ['not an object', [], /\(root\): /],
  ['missing version', { grants: [] }, /version: expected 1/],
  ['version 2', { version: 2, grants: [] }, /version: expected 1/],
  ['unknown top-level key', { version: 1, grants: [], allow: [] }, /Unrecognized key: "allow"/],
  ['unknown key in a grant', grant({ capability: 'os.info', origins: ['*'], scope: 'x' }), /grants\[0\]: Unrecognized key: "scope"/],
  ['missing origins', grant({ capability: 'os.info' }), /grants\[0\].origins: /],
  ['empty origins', grant({ capability: 'os.info', origins: [] }), /grants\[0\].origins: list at least one origin/],
  ['origin with a path', grant({ capability: 'os.info', origins: ['app://main/'] }), /origins\[0\]: expected an origin/],
  ['upper-case origin', grant({ capability: 'os.info', origins: ['APP://main'] }), /write it in lower case \("app:\/\/main"\)/],
  ['bare word origin', grant({ capability: 'os.info', origins: ['main'] }), /origins\[0\]: expected an origin/],
  ['bad capability name', grant({ capability: 'FS READ', origins: ['*'] }), /capability: expected a capability name/],
  ['fs.read without paths', grant({ capability: 'fs.read', origins: ['*'] }), /grants\[0\].paths: fs.read needs "paths"/],
  ['fs.read with names', grant({ capability: 'fs.read', origins: ['*'], paths: ['a'], names: ['HOME'] }), /grants\[0\].names: fs.read takes "paths", not "names"/],
  ['os.info with paths', grant({ capability: 'os.info', origins: ['*'], paths: ['a'] }), /os.info takes no scope; remove "paths"/],
  ['custom capability with hosts', grant({ capability: 'notes.write', origins: ['*'], hosts: ['a:1'] }), /notes.write takes no scope/],
  ['env name with a dash', grant({ capability: 'env.read', origins: ['*'], names: ['MY-VAR'] }), /names\[0\]: expected an environment variable name/],
  ['relative program', grant({ capability: 'process.spawn', origins: ['*'], programs: ['echo'] }), /programs must be absolute paths/],
  ['host without port', grant({ capability: 'net.connect', origins: ['*'], hosts: ['example.com'] }), /hosts\[0\]: expected "host:port"/],
  ['path with NUL', grant({ capability: 'fs.read', origins: ['*'], paths: ['a\0b'] }), /may not contain NUL/],
  ['deny entry problems too', { version: 1, grants: [], deny: [{ capability: 'fs.read', origins: ['*'] }] }, /deny\[0\].paths: fs.read needs "paths"/],
];

for (const [name, manifest, pattern] of BAD) {
  rejected(name, () => {
    try {
      parsePolicy(manifest, BASE);
    } catch (error) {
      assert.is((error as { code: string }).code, 'INVALID_ARGUMENT');
      assert.match((error as Error).message, pattern);
      return;
    }
    assert.unreachable('accepted');
  });
}

rejected.run();

const resolved = suite('policy resolution');

resolved('relative paths resolve against the manifest directory, lexically normalized', () => {
  const policy = parsePolicy(grant({ capability: 'fs.read', origins: ['app://main'], paths: ['data', './data/../data/', '/abs//dir/', 'a/b/..'] }), BASE);
  assert.equal(policy.rules.map((rule) => rule.scopeValue), ['/abs/dir', '/srv/app/a', '/srv/app/data']);
});

resolved('rules are flattened per origin and scope, sorted and de-duplicated', () => {
  const policy = parsePolicy(
    {
      version: 1,
      grants: [
        { capability: 'env.read', origins: ['*', 'app://b'], names: ['LANG', 'HOME', 'LANG'] },
        { capability: 'env.read', origins: ['*'], names: ['HOME'] },
        { capability: 'os.info', origins: ['app://b'] },
      ],
      deny: [{ capability: 'env.read', origins: ['app://b'], names: ['HOME'] }],
    },
    BASE,
  );
  assert.equal(
    policy.rules.map((r) => `${r.effect} ${r.origin} ${r.capability} ${r.scopeKind}:${r.scopeValue}`),
    [
      'deny app://b env.read name:HOME',
      'grant * env.read name:HOME',
      'grant * env.read name:LANG',
      'grant app://b env.read name:HOME',
      'grant app://b env.read name:LANG',
      'grant app://b os.info none:',
    ],
  );
  assert.ok(Object.isFrozen(policy.rules) && Object.isFrozen(policy.rules[0]));
  assert.equal(capabilitiesGranted(policy, 'app://b'), ['env.read', 'os.info']);
  assert.equal(capabilitiesGranted(policy, 'app://other'), ['env.read']);
});

resolved('loadPolicyFile resolves against the file directory and reports unreadable or non-JSON files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capwire-policy-'));
  try {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(grant({ capability: 'fs.read', origins: ['app://main'], paths: ['data'] })));
    assert.is(loadPolicyFile(join(dir, 'policy.json')).rules[0]?.scopeValue, join(dir, 'data'));
    writeFileSync(join(dir, 'broken.json'), '{');
    assert.throws(() => loadPolicyFile(join(dir, 'broken.json')), /is not valid JSON/);
    assert.throws(() => loadPolicyFile(join(dir, 'missing.json')), /cannot read .*ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

resolved('the exported JSON Schema describes the manifest and forbids unknown keys', () => {
  const schema = manifestJsonSchema() as { properties: Record<string, unknown>; additionalProperties: unknown; required: string[] };
  assert.equal(Object.keys(schema.properties).sort(), ['deny', 'grants', 'version']);
  assert.is(schema.additionalProperties, false);
  assert.ok(schema.required.includes('grants'));
});

resolved.run();
