/**
 * MessagePort transport: worker_threads ports in Node, MessagePort/Worker/iframe
 * channels in browsers. Frames travel as Uint8Array (structured clone).
 */
import { asBytes, BaseTransport } from './transport.js';

/** The subset of Node's and the browser's MessagePort this transport uses. */
export interface PortLike {
  postMessage(message: unknown): void;
  close(): void;
  // `any`: DOM and Node declare these listeners with different event types.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  addEventListener?(type: 'message' | 'close', listener: (event: any) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  on?(event: 'message' | 'close', listener: (data: any) => void): void;
  start?(): void;
}

const CLOSE_SIGNAL = 'capwire:close';

export class MessagePortTransport extends BaseTransport {
  private readonly port: PortLike;

  constructor(port: PortLike) {
    super();
    this.port = port;
    const onData = (data: unknown): void => {
      if (data === CLOSE_SIGNAL) return this.markClosed('peer closed the port');
      const bytes = asBytes(data);
      if (bytes) this.deliver(bytes);
      else this.deliverInvalid(`message port: expected binary frame, got ${typeof data}`);
    };
    if (typeof port.on === 'function') {
      // Node's worker_threads MessagePort delivers the data itself.
      port.on('message', (data: unknown) => onData(data));
      port.on('close', () => this.markClosed('port closed'));
    } else if (typeof port.addEventListener === 'function') {
      port.addEventListener('message', (event: { data?: unknown }) => onData(event.data));
      port.addEventListener('close', () => this.markClosed('port closed'));
      port.start?.();
    } else {
      throw new TypeError('MessagePortTransport: the port has neither on() nor addEventListener()');
    }
  }

  protected sendFrame(frame: Uint8Array): void {
    this.port.postMessage(frame);
  }

  protected closeChannel(): void {
    // Browsers do not tell the other end when a port closes, so say it first.
    try {
      this.port.postMessage(CLOSE_SIGNAL);
    } finally {
      this.port.close();
    }
  }
}
