/**
 * The bridges capwire is compared with, written the way apps write them:
 * a JSON text request/response protocol with an id per call, over the same
 * channel capwire uses. Two flavours:
 *   - json:   the payload is text and travels as a JSON string (best case for JSON);
 *   - base64: the payload is bytes, base64 inside JSON (Tauri's JSON invoke,
 *             WKWebView/WebView2 string channels); both ends convert.
 * They validate nothing and check no permissions; capwire does both.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from '../protocol/codec/binary.js';
import { builtinSchemas } from '../protocol/schemas.js';
import type { Client } from '../client/client.js';

/** A channel that moves strings, like postMessage of a string or a text WebSocket frame. */
export interface TextChannel {
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
}

/** Two in-process text channels; delivery is a microtask later, like the memory transport. */
export function textMemoryPair(): [TextChannel, TextChannel] {
  const make = () => {
    let peer: ((text: string) => void) | undefined;
    const end = {
      deliver: undefined as ((text: string) => void) | undefined,
      send(text: string) {
        queueMicrotask(() => peer?.(text));
      },
      onMessage(listener: (text: string) => void) {
        end.deliver = listener;
      },
      connect(other: { deliver: ((text: string) => void) | undefined }) {
        peer = (text) => other.deliver?.(text);
      },
    };
    return end;
  };
  const a = make();
  const b = make();
  a.connect(b);
  b.connect(a);
  return [a, b];
}

export function textPort(port: MessagePort): TextChannel {
  return {
    send: (text) => port.postMessage(text),
    onMessage: (listener) => port.on('message', (data: unknown) => listener(data as string)),
  };
}

/** Text frames over `ws` (which hands received text over as a Buffer to decode). */
export function textWebSocket(socket: WebSocket): TextChannel {
  return {
    send: (text) => socket.send(text),
    onMessage: (listener) => socket.on('message', (data: Buffer, isBinary: boolean) => listener(isBinary ? '' : data.toString('utf8'))),
  };
}

interface JsonRequest {
  id: number;
  method: string;
  params: { data: string };
}

/** The host end of the hand-rolled bridge: parse, dispatch by name, answer with the same id. */
export function serveJsonBridge(channel: TextChannel): void {
  const handlers: Record<string, (params: { data: string }) => { data: string }> = {
    // Text payload: the handler uses the string as is.
    'text.ping': (params) => ({ data: params.data }),
    // Bytes payload: the host must turn base64 into bytes to use them, and back to answer.
    'bytes.ping': (params) => ({ data: Buffer.from(params.data, 'base64').toString('base64') }),
  };
  channel.onMessage((text) => {
    const request = JSON.parse(text) as JsonRequest;
    const handler = handlers[request.method];
    const reply = handler ? { id: request.id, result: handler(request.params) } : { id: request.id, error: 'unknown method' };
    channel.send(JSON.stringify(reply));
  });
}

/** The page end of the hand-rolled bridge: a pending map keyed by id. */
export class JsonBridgeClient {
  private readonly pending = new Map<number, (reply: { result?: { data: string }; error?: string }) => void>();
  private nextId = 1;

  constructor(private readonly channel: TextChannel) {
    channel.onMessage((text) => {
      const reply = JSON.parse(text) as { id: number; result?: { data: string }; error?: string };
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
  }

  call(method: string, params: { data: string }): Promise<{ data: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.result ? resolve(reply.result) : reject(new Error(reply.error ?? 'no result'))));
      this.channel.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** One payload in the three shapes the contenders send. */
export interface Payload {
  readonly size: number;
  readonly bytes: Uint8Array;
  /** ASCII text of the same length (needs no JSON escaping). */
  readonly text: string;
}

export function makePayload(size: number): Payload {
  const bytes = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const chars = new Array<string>(Math.min(size, 4096));
  for (let i = 0; i < chars.length; i++) chars[i] = alphabet[bytes[i]! % alphabet.length]!;
  const block = chars.join('');
  const text = size <= block.length ? block.slice(0, size) : block.repeat(Math.ceil(size / block.length)).slice(0, size);
  return { size, bytes, text };
}

/** A function that performs one round trip of a payload and checks the echo. */
export type Pinger = (payload: Payload) => Promise<void>;

/** capwire: encode PingRequest, send it as a Request frame, decode the PingResponse (what generated stubs do). */
export function capwirePinger(client: Client): Pinger {
  const request = builtinSchemas().message('capwire.v1.PingRequest');
  const response = builtinSchemas().message('capwire.v1.PingResponse');
  return async (payload) => {
    const reply = await client.callRaw('sys.ping', encodeMessage(request, { data: payload.bytes }));
    const data = decodeMessage(response, reply)['data'] as Uint8Array;
    if (data.byteLength !== payload.size) throw new Error(`capwire ping: sent ${payload.size} bytes, got ${data.byteLength}`);
  };
}

export function jsonTextPinger(client: JsonBridgeClient): Pinger {
  return async (payload) => {
    const { data } = await client.call('text.ping', { data: payload.text });
    if (data.length !== payload.size) throw new Error(`json ping: sent ${payload.size} chars, got ${data.length}`);
  };
}

export function base64Pinger(client: JsonBridgeClient): Pinger {
  return async (payload) => {
    const bytes = payload.bytes;
    const { data } = await client.call('bytes.ping', { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') });
    const back = Buffer.from(data, 'base64');
    if (back.byteLength !== payload.size) throw new Error(`base64 ping: sent ${payload.size} bytes, got ${back.byteLength}`);
  };
}
