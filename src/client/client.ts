/**
 * The page side: handshake, request ids, correlation, deadlines, cancellation,
 * and a generic `call(method, params)` speaking proto3 JSON.
 */
import { decodeMessage, encodeMessage } from '../protocol/codec/binary.js';
import { messageFromJson, messageToJson } from '../protocol/codec/json.js';
import type { SchemaSet } from '../protocol/codec/schema.js';
import { CapwireError, errorCodeFromNumber, toCapwireError } from '../protocol/errors.js';
import { bodyOf, decodeFrame, type Envelope, encodeFrame } from '../protocol/frame.js';
import { DEFAULT_FRAME_LIMITS, type FrameLimits, INITIAL_STREAM_CREDIT, MAX_STREAM_CREDIT } from '../protocol/limits.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { describeServices, type MethodDescriptor, methodTable } from '../protocol/services.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../protocol/version.js';
import type { Transport } from '../transport/transport.js';

export interface ServiceVersion {
  readonly name: string;
  readonly version: string;
  /** sha256 hex of the service's canonical schema (from `capwire gen`); informative. */
  readonly fingerprint?: string;
}

export interface ClientOptions {
  /** Protocol versions to offer; defaults to every version this build speaks. */
  readonly protocolVersions?: readonly number[];
  /** Services (and schema versions) the page was built against. */
  readonly services?: readonly ServiceVersion[];
  /** Extra schemas (user services) next to the built-ins. */
  readonly schemas?: readonly SchemaSet[];
  /** Deadline for calls that set none, in milliseconds. */
  readonly defaultTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly clientName?: string;
  readonly limits?: Partial<FrameLimits>;
  /** Send keep-alives when the host announces an idle timeout (default true). */
  readonly keepAlive?: boolean;
}

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Welcome {
  readonly protocolVersion: number;
  readonly origin: string;
  readonly capabilities: readonly string[];
  readonly services: readonly ServiceVersion[];
  readonly limits: {
    readonly maxFrameBytes: number; readonly maxInFlight: number; readonly maxStreams: number;
    /** The host closes a session idle this long (0: never); the client keeps itself alive. */
    readonly idleTimeoutMs: number;
  };
}

interface Pending {
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: CapwireError) => void;
  /** Server streams: each StreamChunk before the final Response. */
  readonly chunk?: (chunk: StreamChunkBody) => void;
}

type StreamChunkBody = NonNullable<Envelope['streamChunk']>;

export class Client {
  readonly welcome: Welcome;
  private readonly transport: Transport;
  private readonly methods: Map<string, MethodDescriptor>;
  private readonly pending = new Map<number, Pending>();
  private readonly defaultTimeoutMs: number;
  private readonly limits: FrameLimits;
  private nextId = 1;
  private closedReason: string | undefined;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private lastSentAt = Date.now();

  private constructor(transport: Transport, welcome: Welcome, methods: Map<string, MethodDescriptor>, options: ClientOptions, limits: FrameLimits) {
    this.transport = transport;
    this.welcome = welcome;
    this.methods = methods;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.limits = limits;
    transport.on('message', (frame) => this.receive(frame));
    transport.on('close', (reason) => this.failAll(new CapwireError('CANCELLED', `connection closed: ${reason}`)));
    if (welcome.limits.idleTimeoutMs > 0 && options.keepAlive !== false) this.startKeepAlive(welcome.limits.idleTimeoutMs);
  }

  /** Sends a Cancel on id 0 (cancels nothing) whenever a third of the host's idle timeout passed without a frame. */
  private startKeepAlive(idleTimeoutMs: number): void {
    const everyMs = Math.max(Math.floor(idleTimeoutMs / 3), 1);
    this.keepAliveTimer = setInterval(() => {
      if (Date.now() - this.lastSentAt >= everyMs) this.sendCancel(0, 'keep-alive');
    }, everyMs);
    // A keep-alive alone must not keep a Node process running.
    (this.keepAliveTimer as { unref?: () => void }).unref?.();
  }

  private send(frame: Uint8Array): void {
    this.lastSentAt = Date.now();
    this.transport.send(frame);
  }

  /** Sends Hello and resolves once the host's Welcome arrives; rejects with the host's error otherwise. */
  static connect(transport: Transport, options: ClientOptions = {}): Promise<Client> {
    const schemaSets = [builtinSchemas(), ...(options.schemas ?? [])];
    const methods = methodTable(schemaSets.flatMap((schemas) => describeServices(schemas)));
    const limits = { ...DEFAULT_FRAME_LIMITS, ...options.limits };
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: Client | CapwireError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome instanceof CapwireError) {
          transport.close(outcome.message);
          reject(outcome);
        } else {
          resolve(outcome);
        }
      };
      const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
      const timer = setTimeout(() => settle(new CapwireError('TIMEOUT', `handshake: no welcome within ${timeoutMs} ms`)), timeoutMs);
      transport.on('close', (reason) => settle(new CapwireError('CANCELLED', `handshake: connection closed (${reason})`)));
      transport.on('message', (frame) => {
        if (settled) return;
        let envelope: Envelope;
        try {
          envelope = decodeFrame(frame, limits);
        } catch (error) {
          settle(toCapwireError(error, 'handshake'));
          return;
        }
        if (envelope.welcome) {
          const w = envelope.welcome;
          const welcome: Welcome = {
            protocolVersion: w.protocolVersion ?? 0,
            origin: w.origin ?? '',
            capabilities: [...(w.capabilities ?? [])],
            services: (w.services ?? []).map((s) => ({ name: s.name ?? '', version: s.version ?? '', ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}) })),
            limits: {
              maxFrameBytes: w.limits?.maxFrameBytes ?? limits.maxFrameBytes,
              maxInFlight: w.limits?.maxInFlight ?? 0,
              maxStreams: w.limits?.maxStreams ?? 0,
              idleTimeoutMs: w.limits?.idleTimeoutMs ?? 0,
            },
          };
          settle(new Client(transport, welcome, methods, options, limits));
        } else if (envelope.error) {
          settle(errorFromBody(envelope.error));
        } else {
          settle(new CapwireError('MALFORMED_MESSAGE', `handshake: expected welcome, got ${bodyOf(envelope) ?? 'an empty envelope'}`));
        }
      });
      transport.send(
        encodeFrame({
          protocolVersion: Math.max(...(options.protocolVersions ?? SUPPORTED_PROTOCOL_VERSIONS), 0),
          id: 0,
          hello: {
            protocolVersions: [...(options.protocolVersions ?? SUPPORTED_PROTOCOL_VERSIONS)],
            services: (options.services ?? []).map((s) => ({ name: s.name, version: s.version, fingerprint: s.fingerprint ?? '' })),
            clientName: options.clientName ?? 'capwire-js',
          },
        }),
      );
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Calls a method with proto3 JSON params; resolves with the proto3 JSON result. */
  async call(method: string, params: object = {}, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const descriptor = this.methods.get(method);
    if (!descriptor) throw new CapwireError('UNKNOWN_METHOD', `${JSON.stringify(method)}: not in this client's schemas`);
    const request = encodeMessage(descriptor.request, messageFromJson(descriptor.request, params));
    const response = await this.callRaw(method, request, options);
    return messageToJson(descriptor.response, decodeMessage(descriptor.response, response));
  }

  /** Sends already-encoded request bytes; resolves with the encoded response bytes. */
  callRaw(method: string, payload: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    return this.exchange(method, payload, options).done;
  }

  /**
   * Calls a server-streaming method: yields each response message as proto3
   * JSON. The host sends only as many chunks as this side has granted credit
   * for, and credit is granted as the loop consumes, so a slow consumer never
   * makes either side buffer without bound. Leaving the loop early, or the
   * signal firing, cancels the stream on the host.
   */
  async *stream(method: string, params: object = {}, options: CallOptions = {}): AsyncGenerator<Record<string, unknown>, void, undefined> {
    const descriptor = this.methods.get(method);
    if (!descriptor) throw new CapwireError('UNKNOWN_METHOD', `${JSON.stringify(method)}: not in this client's schemas`);
    if (!descriptor.serverStreaming) throw new CapwireError('INVALID_ARGUMENT', `${method}: not a streaming method (use call)`);
    const request = encodeMessage(descriptor.request, messageFromJson(descriptor.request, params));
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    if (options.signal?.aborted) controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const queue: Uint8Array[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let failure: CapwireError | undefined;
    let expectedSeq = 0;
    const signal = (): void => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    const exchange = this.exchange(method, request, { ...options, signal: controller.signal }, (chunk) => {
      if ((chunk.seq ?? 0) !== expectedSeq++ || queue.length >= MAX_STREAM_CREDIT) {
        failure ??= new CapwireError('MALFORMED_MESSAGE', `${method}: chunk ${chunk.seq} out of order or beyond the granted credit`);
        controller.abort();
      } else {
        queue.push(chunk.data ?? new Uint8Array(0));
      }
      signal();
    });
    exchange.done.then(
      () => {
        ended = true;
        signal();
      },
      (error: CapwireError) => {
        failure ??= error;
        signal();
      },
    );
    let consumed = 0;
    try {
      for (;;) {
        const data = queue.shift();
        if (data !== undefined) {
          if (++consumed >= INITIAL_STREAM_CREDIT / 2 && !ended) {
            this.sendCredit(exchange.id, consumed);
            consumed = 0;
          }
          yield messageToJson(descriptor.response, decodeMessage(descriptor.response, data));
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (!ended && !failure) controller.abort(); // the loop stopped early: cancel on the host
    }
  }

  /** Sends one request; `done` settles with the final Response. Stream chunks go to onChunk. */
  private exchange(method: string, payload: Uint8Array, options: CallOptions, onChunk?: (chunk: StreamChunkBody) => void): { id: number; done: Promise<Uint8Array> } {
    const failed = (error: CapwireError) => ({ id: 0, done: Promise.reject(error) });
    if (this.closedReason !== undefined) return failed(new CapwireError('CANCELLED', `${method}: connection closed (${this.closedReason})`));
    if (options.signal?.aborted) return failed(new CapwireError('CANCELLED', `${method}: cancelled before it was sent`));
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const id = this.allocateId();
    const frame = encodeFrame({ protocolVersion: this.welcome.protocolVersion, id, request: { method, payload, deadlineMs: timeoutMs } });
    if (frame.byteLength > Math.min(this.limits.maxFrameBytes, this.welcome.limits.maxFrameBytes)) {
      return failed(new CapwireError('PAYLOAD_TOO_LARGE', `${method}: request frame of ${frame.byteLength} bytes exceeds the limit of ${Math.min(this.limits.maxFrameBytes, this.welcome.limits.maxFrameBytes)}`));
    }
    const done = new Promise<Uint8Array>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const abandon = (error: CapwireError): void => {
        if (!this.pending.has(id)) return;
        cleanup();
        this.sendCancel(id, error.message);
        reject(error);
      };
      const onAbort = (): void => abandon(new CapwireError('CANCELLED', `${method}: cancelled by the caller`));
      // The host enforces the same deadline; this timer covers a host that never answers.
      const timer = setTimeout(() => abandon(new CapwireError('TIMEOUT', `${method}: no response within ${timeoutMs} ms`)), timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (payloadBytes) => {
          cleanup();
          resolve(payloadBytes);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
        ...(onChunk ? { chunk: onChunk } : {}),
      });
      this.send(frame);
    });
    return { id, done };
  }

  private sendCredit(id: number, credit: number): void {
    if (this.closedReason === undefined && this.pending.has(id)) {
      this.send(encodeFrame({ protocolVersion: this.welcome.protocolVersion, id, streamChunk: { seq: 0, credit } }));
    }
  }

  close(reason = 'client closed'): void {
    this.failAll(new CapwireError('CANCELLED', `connection closed: ${reason}`));
    this.transport.close(reason);
  }

  private allocateId(): number {
    // Ids are uint32 and never 0; skip any still in use after wrapping.
    do {
      const id = this.nextId;
      this.nextId = id >= 0xffffffff ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    } while (true);
  }

  private sendCancel(id: number, reason: string): void {
    if (this.closedReason === undefined) {
      this.send(encodeFrame({ protocolVersion: this.welcome.protocolVersion, id, cancel: { reason } }));
    }
  }

  private receive(frame: Uint8Array): void {
    let envelope: Envelope;
    try {
      envelope = decodeFrame(frame, this.limits);
    } catch {
      return; // a garbled frame from the host cannot be matched to a call; its timer will fire
    }
    const id = envelope.id ?? 0;
    if (envelope.response) {
      const pending = this.pending.get(id);
      if (!pending) return; // late answer to a call that timed out or was cancelled
      const { payload, error } = envelope.response;
      if (error) pending.reject(errorFromBody(error));
      else pending.resolve(payload ?? new Uint8Array(0));
    } else if (envelope.streamChunk) {
      this.pending.get(id)?.chunk?.(envelope.streamChunk);
    } else if (envelope.error) {
      const failure = errorFromBody(envelope.error);
      if (id !== 0) this.pending.get(id)?.reject(failure);
    }
  }

  private failAll(error: CapwireError): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = error.message;
    clearInterval(this.keepAliveTimer);
    for (const pending of [...this.pending.values()]) pending.reject(error);
    this.pending.clear();
  }
}

function errorFromBody(body: { code?: number | null; message?: string | null; details?: { [key: string]: string } | null }): CapwireError {
  return new CapwireError(errorCodeFromNumber(body.code ?? 12), body.message ?? '', { ...(body.details ?? {}) });
}
