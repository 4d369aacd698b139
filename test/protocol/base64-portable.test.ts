/**
 * base64 without Buffer: the path browsers and workers take (the module picks
 * Buffer when it exists, so this file hides it before importing). Checked
 * against Node's own encoder, with the same strictness as the Buffer path.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const NodeBuffer = globalThis.Buffer;
// biome-ignore lint/performance/noDelete: the point is a global without Buffer
delete (globalThis as { Buffer?: unknown }).Buffer;
const { decodeBase64, encodeBase64 } = await import('../../src/protocol/base64.js');
globalThis.Buffer = NodeBuffer;

const test = suite('base64 without Buffer');

test('matches Buffer for every length 0..300, both alphabets, with and without padding', () => {
  for (let n = 0; n <= 300; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff);
    const text = encodeBase64(bytes);
    assert.is(text, NodeBuffer.from(bytes).toString('base64'), `length ${n}`);
    assert.equal(decodeBase64(text), bytes);
    assert.equal(decodeBase64(text.replace(/=+$/, '')), bytes);
    assert.equal(decodeBase64(text.replace(/\+/g, '-').replace(/\//g, '_')), bytes);
  }
});

test('rejects stray characters, misplaced padding, non-zero padding bits and impossible lengths', () => {
  for (const bad of ['a', 'ab c', 'ab\n', 'a=bc', '@@@@', 'abcde', 'ab=', 'AB==', 'ABC=', 'AB', 'ABC', 'a===', 'ab==cd==', 'é123', 'ab\u0100d']) {
    assert.is(decodeBase64(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(decodeBase64('AA=='), Uint8Array.of(0));
  assert.equal(decodeBase64('AAE='), Uint8Array.of(0, 1));
});

test('1 MiB round trip (time printed, not asserted)', () => {
  const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31) & 0xff);
  const started = performance.now();
  const back = decodeBase64(encodeBase64(bytes));
  const ms = performance.now() - started;
  assert.equal(back, bytes);
  console.log(`  1 MiB encode + decode without Buffer: ${ms.toFixed(1)} ms`);
});

test.run();
