import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame.js';
import { INITIAL_STREAM_CREDIT } from '../../src/protocol/limits.js';
import { encodeMessage } from '../../src/protocol/codec/binary.js';
import { sysService } from '../../src/host/sys-service.js';
import { connectedPair, countStreams, rejectsWith, sleep, testSchemas, testService } from '../helpers/rpc.js';

const withTest = (limits = {}) => connectedPair({ services: [sysService(), testService()], client: { schemas: [testSchemas] }, limits });
const collect = async (iterable: AsyncIterable<Record<string, unknown>>) => {
  const out: Record<string, unknown>[] = [];
  for await (const item of iterable) out.push(item);
  return out;
};

const test = suite('server streams');

test('yields every message in order, then ends', async () => {
  const { client } = await withTest();
  const items = await collect(client.stream('test.count', { count: 50 }));
  assert.equal(items.map((item) => item['n']), Array.from({ length: 50 }, (_, i) => i));
  assert.ok(countStreams.finished);
  client.close();
});

test('flow control: a consumer that does not read holds the host at the initial credit', async () => {
  const { client, clientEnd } = await withTest();
  let chunks = 0;
  clientEnd.on('message', (frame) => {
    if (decodeFrame(frame).streamChunk) chunks++;
  });
  const iterator = client.stream('test.count', { count: 1000 })[Symbol.asyncIterator]();
  await iterator.next(); // starts the call; then stop reading
  await sleep(50);
  assert.is(chunks, INITIAL_STREAM_CREDIT);
  assert.ok(countStreams.produced <= INITIAL_STREAM_CREDIT + 1, `produced ${countStreams.produced}`);
  // Reading on grants more credit and the stream completes.
  let rest = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest++;
  assert.is(rest, 999);
  client.close();
});

test('leaving the loop early cancels the stream on the host', async () => {
  const { client, session } = await withTest();
  for await (const item of client.stream('test.count', { count: 1000 })) if (item['n'] === 3) break;
  await sleep(20);
  assert.ok(countStreams.aborted, 'the handler saw the abort');
  assert.ok(countStreams.finished, 'the generator was closed');
  assert.ok(countStreams.produced < 1000);
  assert.is(session.callsInFlight, 0);
  client.close();
});

test('an AbortSignal cancels mid-stream with CANCELLED', async () => {
  const { client } = await withTest();
  const controller = new AbortController();
  const seen: number[] = [];
  const error = await rejectsWith(
    (async () => {
      for await (const item of client.stream('test.count', { count: 100000 }, { signal: controller.signal })) {
        seen.push(item['n'] as number);
        if (seen.length === 5) controller.abort();
      }
    })(),
    'CANCELLED',
  );
  assert.match(error.message, /cancelled by the caller/);
  assert.ok(seen.length >= 5 && seen.length < 100000);
  client.close();
});

test('a handler that fails mid-stream: the items before, then its error', async () => {
  const { client } = await withTest();
  const seen: unknown[] = [];
  const error = await rejectsWith(
    (async () => {
      for await (const item of client.stream('test.count', { count: 10, failAfter: 4 })) seen.push(item['n']);
    })(),
    'INTERNAL',
  );
  assert.equal(seen, [0, 1, 2, 3]);
  assert.match(error.message, /count failed at 4/);
  client.close();
});

test('large chunks stream with bounded buffering: 64 x 1 MiB', async () => {
  const { client } = await withTest();
  const filler = Buffer.alloc(1 << 20, 7).toString('base64');
  let bytes = 0;
  for await (const item of client.stream('test.count', { count: 64, filler })) bytes += Buffer.from(item['filler'] as string, 'base64').length;
  assert.is(bytes, 64 << 20);
  client.close();
});

test('more streams than the limit: RESOURCE_EXHAUSTED for the excess', async () => {
  const { client } = await withTest({ maxStreams: 2 });
  const open = [client.stream('test.count', { count: 1000 })[Symbol.asyncIterator](), client.stream('test.count', { count: 1000 })[Symbol.asyncIterator]()];
  await Promise.all(open.map((iterator) => iterator.next()));
  await rejectsWith(collect(client.stream('test.count', { count: 1 })), 'RESOURCE_EXHAUSTED');
  await Promise.all(open.map((iterator) => iterator.return?.()));
  assert.is((await collect(client.stream('test.count', { count: 2 }))).length, 2);
  client.close();
});

test('streams are refused for unary methods, and unary calls for nothing else', async () => {
  const { client } = await withTest();
  await rejectsWith(collect(client.stream('sys.ping', {})), 'INVALID_ARGUMENT');
  client.close();
});

test('a page may send credit, never data, on a stream', async () => {
  const { clientEnd, host } = await withTest();
  const replies: ReturnType<typeof decodeFrame>[] = [];
  clientEnd.on('message', (frame) => replies.push(decodeFrame(frame)));
  const payload = encodeMessage(testSchemas.message('test.v1.CountRequest'), { count: 100 });
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 4, request: { method: 'test.count', payload } }));
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 4, streamChunk: { seq: 0, data: Uint8Array.from([1]) } }));
  clientEnd.send(encodeFrame({ protocolVersion: 1, id: 4, streamChunk: { seq: 0, credit: 5000 } }));
  await sleep(20);
  const errors = replies.filter((r) => r.error).map((r) => r.error!.code);
  assert.equal(errors, [6, 10]); // MALFORMED_MESSAGE, RESOURCE_EXHAUSTED
  assert.is(replies.filter((r) => r.streamChunk).length, INITIAL_STREAM_CREDIT);
  host.close(); // the stream still waits for credit
});

test.run();
