/** Two connected in-process transports; delivery is asynchronous, like a real channel. */
import { BaseTransport } from './transport.js';

class MemoryTransport extends BaseTransport {
  peer: MemoryTransport | undefined;

  protected sendFrame(frame: Uint8Array): void {
    const peer = this.peer;
    // Copy so neither side can mutate the other's bytes, as a real channel would.
    // (Uint8Array's slice: on a Node Buffer, .slice() would return a view.)
    const copy = Uint8Array.prototype.slice.call(frame);
    queueMicrotask(() => peer?.receive(copy));
  }

  protected closeChannel(reason: string): void {
    const peer = this.peer;
    queueMicrotask(() => peer?.peerClosed(reason));
  }

  receive(frame: Uint8Array): void {
    this.deliver(frame);
  }

  peerClosed(reason: string): void {
    this.markClosed(`peer closed: ${reason}`);
  }
}

export function createMemoryPair(): [BaseTransport, BaseTransport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
