// docs/adapters.md's runnable example: the platform's origin decides, the page's claim does not.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocExample } from '../helpers/doc-example.js';

const test = suite('docs/adapters.md');

test('the simulated webview example prints what its comments say', () => {
  const run = runDocExample('docs/adapters.md');
  assert.is(run.status, 0, run.stderr);
  assert.equal(run.stdout, ['main frame: hello', 'iframe: PERMISSION_DENIED', 'iframe session origin: https://ads.example']);
});

test.run();
