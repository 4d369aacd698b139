/**
 * capwire over WebSocket for the benchmarks: one binary message per frame.
 * Until src/transport/websocket.ts is committed this is a minimal local
 * adapter over `ws`; the figures then switch to the shared transport.
 */
import { WebSocket } from 'ws';
import { BaseTransport, type Transport } from '../transport/transport.js';

class WsTransport extends BaseTransport {
  constructor(private readonly socket: WebSocket) {
    super();
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else this.deliverInvalid('websocket: text message');
    });
    socket.on('close', () => this.markClosed('websocket closed'));
  }

  protected sendFrame(frame: Uint8Array): void {
    this.socket.send(frame, { binary: true });
  }

  protected closeChannel(): void {
    this.socket.close(1000);
  }
}

/** Host side: wrap an accepted socket. */
export function acceptWebSocket(socket: WebSocket): Transport {
  return new WsTransport(socket);
}

/** Page side: open a socket and wrap it once open. */
export function connectWebSocket(url: string): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    socket.once('open', () => resolve(new WsTransport(socket)));
    socket.once('error', reject);
  });
}

/** Page side, text frames (for the JSON bridges). */
export function openTextWebSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}
