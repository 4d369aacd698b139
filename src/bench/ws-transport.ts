/**
 * capwire over WebSocket for the benchmarks: the shared WebSocketTransport
 * (one binary message per frame) over `ws` sockets on both ends.
 */
import { WebSocket } from 'ws';
import type { Transport } from '../transport/transport.js';
import { type WebSocketConstructor, type WebSocketLike, WebSocketTransport } from '../transport/websocket.js';

/** Host side: wrap an accepted socket. */
export function acceptWebSocket(socket: WebSocket): Transport {
  return new WebSocketTransport(socket as unknown as WebSocketLike);
}

/** Page side: open a socket and wrap it once open. */
export function connectWebSocket(url: string): Promise<Transport> {
  return WebSocketTransport.connect(url, { WebSocket: WebSocket as unknown as WebSocketConstructor });
}

/** Page side, text frames (for the JSON bridges). */
export function openTextWebSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}
