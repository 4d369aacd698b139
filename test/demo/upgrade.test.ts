/** The demo's upgrade gate, decided from headers alone (table-driven). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkUpgrade, tokenMatches, type UpgradeHeaders } from '../../src/demo/upgrade.js';

const PORT = 5178;
const TOKEN = 'a'.repeat(64);
const good: UpgradeHeaders = {
  host: `127.0.0.1:${PORT}`,
  origin: `http://127.0.0.1:${PORT}`,
  'sec-websocket-protocol': `capwire.v1, token.${TOKEN}`,
};

const test = suite('demo upgrade gate');

test('the demo page from 127.0.0.1 or localhost is accepted as its own origin', () => {
  assert.equal(checkUpgrade('/capwire', good, { port: PORT, token: TOKEN }), { ok: true, origin: `http://127.0.0.1:${PORT}` });
  const local = { ...good, host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` };
  assert.equal(checkUpgrade('/capwire', local, { port: PORT, token: TOKEN }), { ok: true, origin: `http://localhost:${PORT}` });
  assert.ok(checkUpgrade('/capwire', { ...good, host: `LOCALHOST:${PORT}` }, { port: PORT, token: TOKEN }).ok);
});

const refusals: [string, string, UpgradeHeaders, number, RegExp][] = [
  ['another origin', '/capwire', { ...good, origin: 'http://evil.example' }, 403, /Origin http:\/\/evil\.example/],
  ['no Origin header', '/capwire', { ...good, origin: undefined }, 403, /Origin \(missing\)/],
  ['origin "null" (sandboxed iframe, file:)', '/capwire', { ...good, origin: 'null' }, 403, /Origin null/],
  ['right host, other port', '/capwire', { ...good, origin: `http://127.0.0.1:${PORT + 1}` }, 403, /Origin/],
  ['https origin', '/capwire', { ...good, origin: `https://127.0.0.1:${PORT}` }, 403, /Origin/],
  ['DNS rebinding: Host is an attacker name', '/capwire', { ...good, host: `evil.example:${PORT}` }, 403, /Host evil\.example/],
  ['Host without the port', '/capwire', { ...good, host: '127.0.0.1' }, 403, /Host/],
  ['no Host header', '/capwire', { ...good, host: undefined }, 403, /Host \(missing\)/],
  ['no subprotocols', '/capwire', { ...good, 'sec-websocket-protocol': undefined }, 400, /capwire\.v1 not offered/],
  ['no token', '/capwire', { ...good, 'sec-websocket-protocol': 'capwire.v1' }, 401, /token/],
  ['wrong token', '/capwire', { ...good, 'sec-websocket-protocol': `capwire.v1, token.${'b'.repeat(64)}` }, 401, /token/],
  ['token prefix only', '/capwire', { ...good, 'sec-websocket-protocol': `capwire.v1, token.${TOKEN.slice(0, 10)}` }, 401, /token/],
  ['two tokens, one right', '/capwire', { ...good, 'sec-websocket-protocol': `capwire.v1, token.x, token.${TOKEN}` }, 401, /token/],
  ['another path', '/other', good, 404, /no WebSocket endpoint/],
];

for (const [name, path, headers, status, reason] of refusals) {
  test(`refused: ${name}`, () => {
    const verdict = checkUpgrade(path, headers, { port: PORT, token: TOKEN });
    assert.is(verdict.ok, false);
    if (verdict.ok) return;
    assert.is(verdict.status, status);
    assert.match(verdict.reason, reason);
  });
}

test('token comparison: equal only when identical, whatever the lengths', () => {
  assert.ok(tokenMatches(TOKEN, TOKEN));
  assert.not.ok(tokenMatches('', TOKEN));
  assert.not.ok(tokenMatches(`${TOKEN}a`, TOKEN));
  assert.not.ok(tokenMatches(TOKEN.toUpperCase(), TOKEN));
});

test.run();
