/**
 * WebSocket transport: one binary WebSocket message per frame. The same class
 * runs on both ends: over the browser's global WebSocket in a page, and over a
 * `ws` socket in a Node host (its WHATWG-style event API is what is used here),
 * so this module imports nothing from Node or `ws` and bundles for browsers.
 *
 * A text message is not a frame: it is reported as `invalid` (garbage), which
 * the host's session counts toward closing the session.
 *
 * Host side (Node, `ws`): refuse bad upgrades before accepting (Origin, Host,
 * credentials: see src/demo/upgrade.ts), then
 *   wss.handleUpgrade(req, socket, head, (ws) =>
 *     host.accept(new WebSocketTransport(ws), { origin: verifiedOrigin }));
 * and give the server `maxPayload` = the host's maxFrameBytes so oversized
 * messages are dropped by `ws` before they are buffered whole.
 */
import { asBytes, BaseTransport } from './transport.js';

/** The subset of the WHATWG WebSocket (browser, or `ws` in Node) this transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  /** Bytes queued but not yet sent (browser: bufferedAmount; `ws`: the same). */
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: DOM and `ws` declare different event types
  addEventListener(type: 'message' | 'close' | 'error' | 'open', listener: (event: any) => void): void;
}

/** A WebSocket constructor: the browser's global, or `ws`'s `WebSocket` class in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;
/** RFC 6455 caps a close reason at 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;

export interface WebSocketConnectOptions {
  /** Subprotocols offered in the upgrade request (credentials go here, not in a later message). */
  readonly protocols?: readonly string[];
  /** Defaults to `globalThis.WebSocket` (browsers, Node >= 22). */
  readonly WebSocket?: WebSocketConstructor;
  readonly timeoutMs?: number;
}

export interface WebSocketTransportOptions {
  /**
   * Most bytes sent but not yet written to the network. A peer that stops
   * reading is cut off (the transport closes) instead of growing this side's
   * queue without bound. Default 64 MiB.
   */
  readonly maxBufferedBytes?: number;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export class WebSocketTransport extends BaseTransport {
  private readonly socket: WebSocketLike;
  private readonly maxBufferedBytes: number;

  /** Wraps an open socket. */
  constructor(socket: WebSocketLike, options: WebSocketTransportOptions = {}) {
    super();
    if (socket.readyState !== OPEN) throw new TypeError(`WebSocketTransport: the socket is not open (readyState ${socket.readyState})`);
    this.socket = socket;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event: { data?: unknown }) => {
      const bytes = asBytes(event.data);
      if (bytes) this.deliver(bytes);
      else this.deliverInvalid(`websocket: expected a binary frame, got a ${typeof event.data === 'string' ? 'text' : typeof event.data} message`);
    });
    socket.addEventListener('close', (event: { code?: number; reason?: string }) => {
      this.markClosed(`websocket closed (${event.code ?? 'no code'}${event.reason ? `: ${event.reason}` : ''})`);
    });
    socket.addEventListener('error', () => this.markClosed('websocket error'));
  }

  /** Opens a socket to `url` and resolves once it is open. */
  static connect(url: string, options: WebSocketConnectOptions = {}): Promise<WebSocketTransport> {
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) return Promise.reject(new TypeError('WebSocketTransport.connect: no WebSocket here (pass options.WebSocket, e.g. the `ws` package)'));
    const socket = new Ctor(url, options.protocols ? [...options.protocols] : undefined);
    socket.binaryType = 'arraybuffer';
    return new Promise<WebSocketTransport>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: WebSocketTransport | Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const timeoutMs = options.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        settle(new Error(`websocket ${url}: not open within ${timeoutMs} ms`));
        socket.close();
      }, timeoutMs);
      socket.addEventListener('open', () => settle(new WebSocketTransport(socket)));
      // Browsers do not say why an upgrade was refused; the close code is all there is.
      socket.addEventListener('error', () => settle(new Error(`websocket ${url}: connection failed (refused, or the upgrade was rejected)`)));
      socket.addEventListener('close', (event: { code?: number }) => settle(new Error(`websocket ${url}: closed before opening (${event.code ?? 'no code'})`)));
    });
  }

  /** Bytes accepted by send() that the socket has not written yet. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  protected sendFrame(frame: Uint8Array): void {
    if (this.socket.readyState !== OPEN) return; // closing: the close event is on its way
    const queued = this.socket.bufferedAmount;
    if (queued + frame.byteLength > this.maxBufferedBytes) {
      this.close(`websocket: the peer is not reading (${queued} bytes queued, limit ${this.maxBufferedBytes})`);
      return;
    }
    this.socket.send(frame);
  }

  protected closeChannel(reason: string): void {
    this.socket.close(1000, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).byteLength <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = encoder.encode(char).byteLength;
    if (used + size > maxBytes) break;
    out += char;
    used += size;
  }
  return out;
}
