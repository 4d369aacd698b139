/**
 * Transport over a string-only channel (WKWebView messageHandlers, WebView2
 * chrome.webview.postMessage): each frame travels as one base64 string.
 */
import { decodeBase64, encodeBase64 } from '../protocol/base64.js';
import { BaseTransport } from './transport.js';

/** What a webview host supplies: send a string, hear strings, optionally close. */
export interface StringChannel {
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
  onClose?(listener: (reason: string) => void): void;
  close?(): void;
}

export class StringTransport extends BaseTransport {
  private readonly channel: StringChannel;

  constructor(channel: StringChannel, private readonly maxTextLength = Number.POSITIVE_INFINITY) {
    super();
    this.channel = channel;
    channel.onMessage((text) => {
      if (typeof text !== 'string') return this.deliverInvalid('string channel: expected a base64 string');
      // Check the size before decoding work: base64 is 4/3 of the frame.
      if (text.length > this.maxTextLength) return this.deliverInvalid(`string channel: ${text.length} characters exceeds the limit of ${this.maxTextLength}`);
      const bytes = decodeBase64(text);
      if (bytes) this.deliver(bytes);
      else this.deliverInvalid('string channel: message is not valid base64');
    });
    channel.onClose?.((reason) => this.markClosed(reason));
  }

  protected sendFrame(frame: Uint8Array): void {
    this.channel.send(encodeBase64(frame));
  }

  protected closeChannel(): void {
    this.channel.close?.();
  }
}

/** Two connected in-process string channels, for tests and demos. */
export function createStringChannelPair(): [StringChannel, StringChannel] {
  type End = StringChannel & { listeners: ((text: string) => void)[]; closeListeners: ((reason: string) => void)[]; peer?: End };
  const make = (): End => {
    const end: End = {
      listeners: [],
      closeListeners: [],
      send(text) {
        queueMicrotask(() => end.peer?.listeners.forEach((listener) => listener(text)));
      },
      onMessage(listener) {
        end.listeners.push(listener);
      },
      onClose(listener) {
        end.closeListeners.push(listener);
      },
      close() {
        queueMicrotask(() => end.peer?.closeListeners.forEach((listener) => listener('peer closed')));
      },
    };
    return end;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
