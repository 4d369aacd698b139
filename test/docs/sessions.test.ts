// docs/sessions.md's example runs as written and prints what its comments say.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const test = suite('docs/sessions.md');

test('the streaming example prints lines as they come, the exit code, and the killed program', () => {
  const doc = readFileSync(join(root, 'docs/sessions.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, 'docs/sessions.md has a ts example');
  const dir = join(root, 'test-output');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sessions-example.ts');
  writeFileSync(file, example);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.is(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim().split('\n'), [
    'idle timeout 60000 ms',
    'line 1',
    'line 2',
    'line 3',
    'exit 7',
    'running: true',
    'running after break: false',
    'session open: false',
  ]);
});

test.run();
