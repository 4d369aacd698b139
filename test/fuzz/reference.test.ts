// The reference model the fuzzers judge by, on the fuzz workspace: a table of
// requests and the verdict the documented semantics require.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeRequestPath, ReferenceModel, type RefVerdict } from '../../src/fuzz/reference.js';
import { buildWorkspace, MAIN_ORIGIN, OTHER_ORIGIN, STRANGER_ORIGIN } from '../../src/fuzz/workspace.js';

const ws = buildWorkspace();
const model = new ReferenceModel(ws.policy);
const at = (rel: string) => join(ws.root, rel);
const test = suite('fuzz reference model');

const FS_CASES: [origin: string, capability: string, path: string, mode: 'object' | 'entry', expected: RefVerdict][] = [
  [MAIN_ORIGIN, 'fs.read', at('data/a.txt'), 'object', 'allow'],
  [MAIN_ORIGIN, 'fs.read', at('data/inside-link'), 'object', 'allow'],
  [MAIN_ORIGIN, 'fs.read', at('data/inside-dir-link/deep/c.txt'), 'object', 'allow'],
  [MAIN_ORIGIN, 'fs.read', at('data/escape-rel'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/escape-abs'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/abs-inside'), 'object', 'deny'], // absolute targets are refused, like RESOLVE_BENEATH
  [MAIN_ORIGIN, 'fs.read', at('data/escape-dir/secret.txt'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/up/outside/secret.txt'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/private/p.txt'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/to-private'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/to-private-dotdot'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/loop1'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/proc-root'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/dangling'), 'object', 'absent'],
  [MAIN_ORIGIN, 'fs.read', at('data/missing.txt'), 'object', 'absent'],
  [MAIN_ORIGIN, 'fs.read', at('data/a.txt/'), 'object', 'absent'],
  [MAIN_ORIGIN, 'fs.read', at('data-evil/x.txt'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', at('data/../outside/secret.txt'), 'object', 'deny'],
  [MAIN_ORIGIN, 'fs.read', 'relative/a.txt', 'object', 'invalid'],
  [MAIN_ORIGIN, 'fs.read', `${at('data')}\0/a.txt`, 'object', 'invalid'],
  [OTHER_ORIGIN, 'fs.read', at('data/sub/b.txt'), 'object', 'allow'],
  [OTHER_ORIGIN, 'fs.read', at('data/a.txt'), 'object', 'deny'],
  [STRANGER_ORIGIN, 'fs.read', at('shared/s.txt'), 'object', 'allow'],
  [MAIN_ORIGIN, 'fs.write', at('data/out/new.txt'), 'entry', 'allow'],
  [MAIN_ORIGIN, 'fs.write', at('data/out/to-outside'), 'entry', 'allow'], // the link itself, never followed
  [MAIN_ORIGIN, 'fs.write', at('data/out/to-outside/new.txt'), 'entry', 'deny'],
  [MAIN_ORIGIN, 'fs.write', at('data/out/link-up/a.txt'), 'entry', 'deny'],
  [MAIN_ORIGIN, 'fs.write', at('data/out/locked/new.txt'), 'entry', 'deny'],
  [MAIN_ORIGIN, 'fs.write', at('data/out/to-locked/new.txt'), 'entry', 'deny'],
  [MAIN_ORIGIN, 'fs.write', at('data/out'), 'entry', 'deny'], // the grant root itself
  [OTHER_ORIGIN, 'fs.write', at('data/out/new.txt'), 'entry', 'deny'],
];

for (const [origin, capability, path, mode, expected] of FS_CASES) {
  test(`${origin} ${capability} ${path.replace(ws.root, '<ws>')} (${mode}) -> ${expected}`, () => {
    const decision = model.decideFs(origin, capability, path, mode);
    assert.is(decision.verdict, expected, decision.reason);
  });
}

test('values and scope-less capabilities: deny beats grant, "*" matches every origin', () => {
  assert.is(model.decideValue(STRANGER_ORIGIN, 'env.read', 'CAPWIRE_FUZZ_OK').verdict, 'allow');
  assert.is(model.decideValue(MAIN_ORIGIN, 'env.read', 'CAPWIRE_FUZZ_SECRET').verdict, 'deny');
  assert.is(model.decideValue(MAIN_ORIGIN, 'process.spawn', '/bin//echo').verdict, 'deny');
  assert.is(model.decideValue(MAIN_ORIGIN, 'env.read', '').verdict, 'invalid');
  assert.is(model.decideNone(MAIN_ORIGIN, 'sys.ping').verdict, 'allow');
  assert.is(model.decideNone(STRANGER_ORIGIN, 'sys.ping').verdict, 'deny');
  assert.is(model.decideNone(OTHER_ORIGIN, 'os.info').verdict, 'deny');
});

test('lexical normalization matches the engine: "..", ".", "//", trailing slash', () => {
  assert.equal(normalizeRequestPath('/a/./b//c/../d/'), { components: ['a', 'b', 'd'], trailingSlash: true });
  assert.equal(normalizeRequestPath('/../..'), { components: [], trailingSlash: false });
  assert.is(normalizeRequestPath(''), undefined);
  assert.is(normalizeRequestPath(`/${'a'.repeat(4096)}`), undefined);
});

test.after(() => ws.cleanup());
test.run();
