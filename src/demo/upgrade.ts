/**
 * The demo's gate for WebSocket upgrades: decided from the request headers
 * alone, before the upgrade is answered and before any message is read.
 *   - Origin must be the demo's own page (http://127.0.0.1:PORT or http://localhost:PORT);
 *   - Host must name the demo itself (127.0.0.1:PORT or localhost:PORT), which
 *     defeats DNS rebinding (an attacker's name resolving to 127.0.0.1);
 *   - the launch token must be offered as a subprotocol `token.<TOKEN>`, next to
 *     `capwire.v1`, and is compared in constant time.
 * The accepted origin is the one the session runs as.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const SUBPROTOCOL = 'capwire.v1';
export const TOKEN_PREFIX = 'token.';
export const WEBSOCKET_PATH = '/capwire';

export interface UpgradeHeaders {
  readonly host?: string | undefined;
  readonly origin?: string | undefined;
  readonly 'sec-websocket-protocol'?: string | undefined;
}

export type UpgradeVerdict =
  | { readonly ok: true; readonly origin: string }
  | { readonly ok: false; readonly status: 400 | 401 | 403 | 404; readonly reason: string };

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** Constant-time comparison; hashing first gives equal-length buffers whatever was sent. */
export function tokenMatches(offered: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}

/** Host header check, shared by page requests and upgrades. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

export function checkUpgrade(path: string | undefined, headers: UpgradeHeaders, expected: { readonly port: number; readonly token: string }): UpgradeVerdict {
  if (path !== WEBSOCKET_PATH) return { ok: false, status: 404, reason: `no WebSocket endpoint at ${path ?? '(none)'} (use ${WEBSOCKET_PATH})` };
  if (!hostAllowed(headers.host, expected.port)) {
    return { ok: false, status: 403, reason: `Host ${headers.host ?? '(missing)'} is not this demo (expected ${allowedHosts(expected.port).join(' or ')})` };
  }
  const origin = headers.origin;
  if (origin === undefined || !allowedOrigins(expected.port).includes(origin)) {
    return { ok: false, status: 403, reason: `Origin ${origin ?? '(missing)'} may not connect (only ${allowedOrigins(expected.port).join(' or ')})` };
  }
  const offered = (headers['sec-websocket-protocol'] ?? '').split(',').map((value) => value.trim()).filter(Boolean);
  if (!offered.includes(SUBPROTOCOL)) return { ok: false, status: 400, reason: `subprotocol ${SUBPROTOCOL} not offered` };
  const tokens = offered.filter((value) => value.startsWith(TOKEN_PREFIX));
  if (tokens.length !== 1 || !tokenMatches(tokens[0]!.slice(TOKEN_PREFIX.length), expected.token)) {
    return { ok: false, status: 401, reason: 'missing or wrong token (open the URL the demo printed)' };
  }
  return { ok: true, origin };
}
