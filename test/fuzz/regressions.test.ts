// Bugs the fuzzers found, kept as regression tests (one case per finding).
import { suite } from 'uvu';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec/binary.js';
import { decodeFrame, type Envelope, encodeFrame } from '../../src/protocol/frame.js';
import { sysService } from '../../src/host/sys-service.js';
import { connectedPair, sleep, testSchemas, testService } from '../helpers/rpc.js';

const test = suite('fuzz regressions');

test('a deadline above 2^31-1 ms is clamped, not turned into a 1 ms timer (capwire fuzz seed 1, process-warning)', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  const { clientEnd, client } = await connectedPair({ services: [sysService(), testService()] });
  const replies: Envelope[] = [];
  clientEnd.on('message', (frame) => replies.push(decodeFrame(frame)));
  const payload = encodeMessage(testSchemas.message('test.v1.SlowRequest'), { ms: 30 });
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 901, request: { method: 'test.slow', payload, deadlineMs: 0xffffffff } }));
  await sleep(120);
  process.off('warning', onWarning);
  const reply = replies.find((envelope) => envelope.id === 901);
  assert.ok(reply?.response, 'answered');
  assert.ok(reply!.response!.error == null, `no error, got ${JSON.stringify(reply!.response!.error)}`);
  assert.equal(decodeMessage(testSchemas.message('test.v1.SlowResponse'), reply!.response!.payload!), { cancelled: false });
  assert.equal(warnings, []);
  client.close();
});

for (const [name, file] of [
  ['a refused duplicate id is the second-oldest record, not the newest (false existence-leak, CI seed 1 input 4593)', 'id-reuse-refusal-bookkeeping.json'],
  ['a duplicate-id refusal is not taken for the error owed to a data chunk (false policy-violation, seed 1 input 7809)', 'id-reuse-refusal-vs-expected-error.json'],
]) test(`oracle bookkeeping: ${name}`, () => {
  const reproducer = fileURLToPath(new URL(`../fixtures/fuzz-findings/${file}`, import.meta.url));
  const cli = fileURLToPath(new URL('../../bin/capwire.js', import.meta.url));
  const run = spawnSync(process.execPath, [cli, 'fuzz', '--replay', reproducer], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout + run.stderr, /did not reproduce/);
});

test.run();
