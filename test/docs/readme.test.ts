// The README's usage example runs as written and prints what its comments say.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const test = suite('README');

test('the usage example runs against the built package and prints hello, then PERMISSION_DENIED', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'README has a ts example');
  // Inside the checkout, `capwire` resolves to this package (self-reference via "exports").
  const dir = join(root, 'test-output');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-example.ts');
  writeFileSync(file, example);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim().split('\n'), ['hello', 'PERMISSION_DENIED']);
});

test.run();
