/**
 * A transport moves whole frames (one encoded Envelope each) between two ends.
 * Implementations: memory pair, MessagePort, base64 strings, WebSocket.
 */
export interface TransportEvents {
  /** A whole frame arrived. */
  message: (frame: Uint8Array) => void;
  /** Something arrived that is not a frame (wrong type, bad base64): counts as garbage. */
  invalid: (reason: string) => void;
  /** The transport closed, from either side; fired once. */
  close: (reason: string) => void;
}

export interface Transport {
  send(frame: Uint8Array): void;
  close(reason?: string): void;
  readonly closed: boolean;
  on<E extends keyof TransportEvents>(event: E, handler: TransportEvents[E]): void;
}

/** Event plumbing shared by every transport; subclasses implement sendFrame/closeChannel. */
export abstract class BaseTransport implements Transport {
  private handlers: { [E in keyof TransportEvents]: TransportEvents[E][] } = { message: [], invalid: [], close: [] };
  private isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  on<E extends keyof TransportEvents>(event: E, handler: TransportEvents[E]): void {
    this.handlers[event].push(handler);
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return; // the close event already told everyone
    this.sendFrame(frame);
  }

  close(reason = 'closed locally'): void {
    if (this.isClosed) return;
    this.closeChannel(reason);
    this.markClosed(reason);
  }

  protected abstract sendFrame(frame: Uint8Array): void;
  protected abstract closeChannel(reason: string): void;

  protected deliver(frame: Uint8Array): void {
    if (this.isClosed) return;
    for (const handler of this.handlers.message) handler(frame);
  }

  protected deliverInvalid(reason: string): void {
    if (this.isClosed) return;
    for (const handler of this.handlers.invalid) handler(reason);
  }

  protected markClosed(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const handler of this.handlers.close) handler(reason);
    this.handlers = { message: [], invalid: [], close: [] };
  }
}

/** Accepts the binary shapes channels deliver; undefined for anything else. */
export function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
