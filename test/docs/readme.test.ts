// The README's usage example runs as written and prints what its comments say.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocExample } from '../helpers/doc-example.js';

const test = suite('README');

test('the usage example runs against the built package and prints hello, then PERMISSION_DENIED', () => {
  const run = runDocExample('README.md');
  assert.is(run.status, 0, run.stderr);
  assert.equal(run.stdout, ['hello', 'PERMISSION_DENIED']);
});

test.run();
