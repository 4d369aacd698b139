// docs/sessions.md's example runs as written and prints what its comments say.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocExample } from '../helpers/doc-example.js';

const test = suite('docs/sessions.md');

test('the streaming example prints lines as they come, the exit code, and the killed program', () => {
  const run = runDocExample('docs/sessions.md');
  assert.is(run.status, 0, run.stderr);
  assert.equal(run.stdout, [
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
