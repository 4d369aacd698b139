/**
 * One connected page. Owns the handshake state, the calls in flight and the
 * abuse counters; whatever the page sends, the worst outcome is an error reply
 * or this session closing, never an exception escaping into the host.
 */
import { decodeMessage, encodeMessage } from '../protocol/codec/binary.js';
import type { Message } from '../protocol/codec/message.js';
import { CapwireError, type FailureCode, errorCodeNumber, toCapwireError } from '../protocol/errors.js';
import { bodyOf, decodeFrame, type Envelope, encodeFrame } from '../protocol/frame.js';
import { INITIAL_STREAM_CREDIT, MAX_STREAM_CREDIT, type SessionLimits } from '../protocol/limits.js';
import type { MethodDescriptor, ServiceDescriptor } from '../protocol/services.js';
import { majorOf, negotiateVersion } from '../protocol/version.js';
import type { Transport } from '../transport/transport.js';
import type { Authority } from './authority.js';
import type { Handler } from './handlers.js';

export const MAX_METHOD_NAME_BYTES = 256;
/** Longest delay setTimeout honours; longer request deadlines are clamped to it. */
export const MAX_TIMER_MS = 0x7fffffff;
const utf8 = new TextEncoder();

export interface DispatchEntry {
  readonly method: MethodDescriptor;
  readonly handler: Handler;
  /** The handler's native operation checks capability + scope itself. */
  readonly nativeScopedCheck: boolean;
}

/** What a session needs from its host. */
export interface SessionHost {
  readonly authority: Authority;
  readonly limits: SessionLimits;
  readonly services: readonly ServiceDescriptor[];
  readonly dispatch: ReadonlyMap<string, DispatchEntry>;
  readonly supportedVersions: readonly number[];
  audit(event: AuditEvent): void;
  sessionClosed(session: Session): void;
}

export type AuditEvent =
  | {
      readonly kind: 'call'; readonly origin: string; readonly method: string; readonly code: 'OK' | FailureCode;
      readonly message?: string; readonly details?: Readonly<Record<string, string>>; readonly durationMs: number;
    }
  | { readonly kind: 'session-closed'; readonly origin: string; readonly reason: string }
  | { readonly kind: 'protocol-error'; readonly origin: string; readonly code: FailureCode; readonly message: string };

/** A running call. Its AbortController is made only if the handler asks for the signal. */
class InFlight {
  timer: ReturnType<typeof setTimeout> | undefined;
  answered = false;
  /** Server streams: whether this call is one, the chunks the page is ready to receive, and a waiter for more. */
  streaming = false;
  credit = INITIAL_STREAM_CREDIT;
  /** Sends the call's one response (and audits it); later calls are no-ops. */
  finish: (outcome: { payload: Uint8Array } | { error: CapwireError }) => void = () => {};
  private wake: (() => void) | undefined;
  private controller: AbortController | undefined;
  private aborted = false;

  get isAborted(): boolean {
    return this.aborted;
  }

  grant(credit: number): void {
    this.credit += credit;
    this.wakeUp();
  }

  /** Resolves once there is credit, or the call was aborted. */
  waitForCredit(): Promise<void> {
    if (this.credit > 0 || this.aborted) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted) this.controller.abort();
    return this.controller.signal;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
    this.wakeUp();
  }
}

export class Session {
  readonly origin: string;
  private readonly transport: Transport;
  private readonly host: SessionHost;
  private protocolVersion = 0;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Idle timeout: one timer per session, re-armed lazily from lastActivityAt (no per-frame timer churn). */
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private lastActivityAt = Date.now();
  private readonly inFlight = new Map<number, InFlight>();
  private malformedFrames = 0;
  private openStreams = 0;
  private closedReason: string | undefined;

  constructor(transport: Transport, origin: string, host: SessionHost) {
    this.transport = transport;
    this.origin = origin;
    this.host = host;
    transport.on('message', (frame) => this.receive(frame));
    transport.on('invalid', (reason) => this.protocolError(0, new CapwireError('MALFORMED_MESSAGE', reason)));
    transport.on('close', (reason) => this.teardown(`transport closed: ${reason}`));
    this.handshakeTimer = setTimeout(() => this.close('no hello within the handshake timeout'), host.limits.handshakeTimeoutMs);
    // A silent peer must not keep the process alive on its own.
    (this.handshakeTimer as { unref?: () => void }).unref?.();
  }

  get open(): boolean {
    return this.closedReason === undefined;
  }

  get handshakeDone(): boolean {
    return this.protocolVersion !== 0;
  }

  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /** Closes the session: cancels its calls and closes the transport. */
  close(reason: string): void {
    if (!this.open) return;
    this.teardown(reason);
    this.transport.close(reason);
  }

  /** Entry point for every frame. Catches everything: nothing escapes into the host. */
  receive(frame: Uint8Array): void {
    if (!this.open) return;
    this.lastActivityAt = Date.now();
    let envelope: Envelope;
    try {
      envelope = decodeFrame(frame, this.host.limits);
    } catch (error) {
      this.protocolError(0, toCapwireError(error, 'frame'));
      return;
    }
    try {
      this.route(envelope);
    } catch (error) {
      this.protocolError(envelope.id ?? 0, toCapwireError(error, 'dispatch'));
    }
  }

  private route(envelope: Envelope): void {
    const id = envelope.id ?? 0;
    const body = bodyOf(envelope);
    if (!this.handshakeDone) {
      if (body !== 'hello') throw new CapwireError('MALFORMED_MESSAGE', `session: expected hello first, got ${body ?? 'an empty envelope'}`);
      this.handshake(envelope);
      return;
    }
    if (envelope.protocolVersion !== this.protocolVersion) {
      throw new CapwireError('MALFORMED_MESSAGE', `session: envelope says protocol ${envelope.protocolVersion}, negotiated ${this.protocolVersion}`);
    }
    switch (body) {
      case 'request':
        this.startCall(id, envelope.request!);
        return;
      case 'cancel':
        this.cancelCall(id, envelope.cancel!.reason ?? '');
        return;
      case 'streamChunk':
        this.grantCredit(id, envelope.streamChunk!);
        return;
      default:
        throw new CapwireError('MALFORMED_MESSAGE', `session: a client may not send ${body ?? 'an empty envelope'} here`);
    }
  }

  private handshake(envelope: Envelope): void {
    const hello = envelope.hello!;
    clearTimeout(this.handshakeTimer);
    try {
      const version = negotiateVersion(hello.protocolVersions ?? [], this.host.supportedVersions);
      this.checkWantedServices(hello.services ?? []);
      this.protocolVersion = version;
      const limits = this.host.limits;
      if (limits.idleTimeoutMs > 0) this.armIdleTimer(limits.idleTimeoutMs);
      this.send({
        protocolVersion: version,
        id: 0,
        welcome: {
          protocolVersion: version,
          services: this.host.services.map((service) => ({ name: service.name, version: service.version, fingerprint: service.fingerprint ?? '' })),
          capabilities: this.host.authority.capabilitiesFor(this.origin),
          limits: {
            maxFrameBytes: limits.maxFrameBytes, maxInFlight: limits.maxInFlight, maxStreams: limits.maxStreams,
            idleTimeoutMs: Math.min(limits.idleTimeoutMs, MAX_TIMER_MS),
          },
          origin: this.origin,
        },
      });
    } catch (error) {
      const failure = toCapwireError(error, 'hello');
      this.sendError(0, failure);
      this.host.audit({ kind: 'protocol-error', origin: this.origin, code: failure.code, message: failure.message });
      this.close(`handshake failed: ${failure.message}`);
    }
  }

  private checkWantedServices(wanted: readonly { name?: string | null; version?: string | null }[]): void {
    for (const want of wanted) {
      const name = want.name ?? '';
      const served = this.host.services.find((service) => service.name === name);
      if (!served) {
        throw new CapwireError('UNSUPPORTED_VERSION', `hello: service ${name} is not served by this host`, { service: name });
      }
      const wantedMajor = majorOf(want.version ?? '');
      if (majorOf(served.version) !== wantedMajor) {
        throw new CapwireError(
          'UNSUPPORTED_VERSION',
          `hello: ${name} ${want.version ?? '(no version)'} requested, host serves ${served.version} (major versions differ)`,
          { service: name, requested: want.version ?? '', served: served.version },
        );
      }
    }
  }

  private startCall(id: number, request: NonNullable<Envelope['request']>): void {
    if (id === 0) throw new CapwireError('MALFORMED_MESSAGE', 'request: id 0 is reserved for the handshake');
    if (this.inFlight.has(id)) {
      // Do not answer on this id: the first call with it is still owed its one response.
      throw new CapwireError('INVALID_ARGUMENT', `request ${id}: id is already in flight (ids must be unique among pending calls)`);
    }
    const started = Date.now();
    const methodName = request.method ?? '';
    const call = new InFlight();
    this.inFlight.set(id, call);
    const finish = (call.finish = (outcome: { payload: Uint8Array } | { error: CapwireError }): void => {
      if (call.answered || !this.open) return;
      call.answered = true;
      clearTimeout(call.timer);
      this.inFlight.delete(id);
      this.lastActivityAt = Date.now(); // a long call's end restarts the idle clock
      const error = 'error' in outcome ? outcome.error : undefined;
      this.host.audit({
        kind: 'call', origin: this.origin, method: methodName, code: error ? error.code : 'OK',
        ...(error ? { message: error.message, details: error.details } : {}), durationMs: Date.now() - started,
      });
      this.send({
        protocolVersion: this.protocolVersion,
        id,
        response: error ? { error: errorBody(error) } : { payload: (outcome as { payload: Uint8Array }).payload },
      });
    });

    if (this.inFlight.size > this.host.limits.maxInFlight) {
      finish({ error: new CapwireError('RESOURCE_EXHAUSTED', `request ${id}: more than ${this.host.limits.maxInFlight} calls in flight (wait for some to finish)`) });
      return;
    }
    // Node cannot arm a timer beyond 2^31-1 ms: it would fire after 1 ms instead (found by capwire fuzz).
    const deadlineMs = Math.min(request.deadlineMs || this.host.limits.defaultDeadlineMs, MAX_TIMER_MS);
    call.timer = setTimeout(() => {
      call.abort();
      finish({ error: new CapwireError('TIMEOUT', `${methodName}: no result within ${deadlineMs} ms`) });
    }, deadlineMs);
    this.runCall(id, methodName, request.payload ?? new Uint8Array(0), call).then(
      (payload) => finish({ payload }),
      (error: unknown) => finish({ error: toCapwireError(error, methodName) }),
    );
  }

  private async runCall(id: number, methodName: string, payload: Uint8Array, call: InFlight): Promise<Uint8Array> {
    if (utf8.encode(methodName).byteLength > MAX_METHOD_NAME_BYTES) {
      throw new CapwireError('INVALID_ARGUMENT', `request: method name longer than ${MAX_METHOD_NAME_BYTES} bytes`);
    }
    const entry = this.host.dispatch.get(methodName);
    if (!entry) throw new CapwireError('UNKNOWN_METHOD', `${JSON.stringify(methodName)}: no such method on this host`);
    call.streaming = entry.method.serverStreaming;
    if (!entry.nativeScopedCheck) {
      const decision = this.host.authority.check(this.origin, entry.method.capability);
      if (!decision.allowed) throw new CapwireError('PERMISSION_DENIED', decision.message);
    }
    let message: Message;
    try {
      message = decodeMessage(entry.method.request, payload, this.host.limits.maxDepth);
    } catch (error) {
      throw toCapwireError(error, `${methodName} request`);
    }
    const result = await entry.handler(message, {
      origin: this.origin,
      method: methodName,
      get signal() {
        return call.signal;
      },
    });
    if (!entry.method.serverStreaming) return encodeMessage(entry.method.response, result as Message);
    await this.pumpStream(id, entry.method, result as AsyncIterable<Message>, call);
    return new Uint8Array(0); // the Response after the chunks ends the stream
  }

  /** Sends a handler's messages as StreamChunks, one per unit of credit. */
  private async pumpStream(id: number, method: MethodDescriptor, messages: AsyncIterable<Message>, call: InFlight): Promise<void> {
    if (this.openStreams >= this.host.limits.maxStreams) {
      throw new CapwireError('RESOURCE_EXHAUSTED', `${method.name}: more than ${this.host.limits.maxStreams} streams open (finish or cancel one)`);
    }
    this.openStreams++;
    const iterator = messages[Symbol.asyncIterator]();
    try {
      for (let seq = 0; ; seq++) {
        await call.waitForCredit();
        if (call.isAborted || call.answered || !this.open) return;
        const next = await iterator.next();
        if (next.done || call.isAborted || call.answered || !this.open) return;
        const frame = encodeFrame({ protocolVersion: this.protocolVersion, id, streamChunk: { seq, data: encodeMessage(method.response, next.value) } });
        if (frame.byteLength > this.host.limits.maxFrameBytes) {
          throw new CapwireError('PAYLOAD_TOO_LARGE', `${method.name}: a chunk of ${frame.byteLength} bytes exceeds the frame limit of ${this.host.limits.maxFrameBytes} (send smaller chunks)`);
        }
        call.credit--;
        this.transport.send(frame);
      }
    } finally {
      this.openStreams--;
      await iterator.return?.();
    }
  }

  /** A page grants a stream more credit. Pages send no data chunks. */
  private grantCredit(id: number, chunk: NonNullable<Envelope['streamChunk']>): void {
    if ((chunk.data?.byteLength ?? 0) > 0 || chunk.end) {
      throw new CapwireError('MALFORMED_MESSAGE', `stream ${id}: pages may only send credit, not data`);
    }
    const call = this.inFlight.get(id);
    // Credit that arrives after its stream ended (or for a unary call) crossed the answer on the wire: ignore it.
    if (!call?.streaming) return;
    const credit = chunk.credit ?? 0;
    if (call.credit + credit > MAX_STREAM_CREDIT) {
      throw new CapwireError('RESOURCE_EXHAUSTED', `stream ${id}: more than ${MAX_STREAM_CREDIT} chunks of credit outstanding`);
    }
    call.grant(credit);
  }

  private cancelCall(id: number, reason: string): void {
    const call = this.inFlight.get(id);
    if (!call) return; // already answered: a late cancel is not an error
    call.abort();
    call.finish({ error: new CapwireError('CANCELLED', `request ${id}: cancelled by the client${reason ? ` (${reason.slice(0, 256)})` : ''}`) });
  }

  private armIdleTimer(delayMs: number): void {
    this.idleTimer = setTimeout(() => this.checkIdle(), Math.min(Math.max(delayMs, 1), MAX_TIMER_MS));
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  /** Closes the session if the page sent nothing for idleTimeoutMs and no call is running; otherwise looks again later. */
  private checkIdle(): void {
    if (!this.open) return;
    const limit = this.host.limits.idleTimeoutMs;
    const idleFor = Date.now() - this.lastActivityAt;
    if (this.inFlight.size === 0 && idleFor >= limit) {
      this.close(`idle: no frame for ${idleFor} ms (idle timeout ${limit} ms)`);
      return;
    }
    this.armIdleTimer(this.inFlight.size > 0 ? limit : limit - idleFor);
  }

  private protocolError(id: number, error: CapwireError): void {
    if (!this.open) return;
    this.malformedFrames++;
    this.host.audit({ kind: 'protocol-error', origin: this.origin, code: error.code, message: error.message });
    this.sendError(id, error);
    if (this.malformedFrames > this.host.limits.maxMalformedFrames) {
      this.close(`more than ${this.host.limits.maxMalformedFrames} malformed frames`);
    }
  }

  private sendError(id: number, error: CapwireError): void {
    this.send({ protocolVersion: this.protocolVersion || 1, id, error: errorBody(error) });
  }

  private send(envelope: Envelope): void {
    if (this.open) this.transport.send(encodeFrame(envelope));
  }

  private teardown(reason: string): void {
    if (!this.open) return;
    this.closedReason = reason;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.idleTimer);
    for (const call of this.inFlight.values()) {
      call.answered = true;
      clearTimeout(call.timer);
      call.abort();
    }
    this.inFlight.clear();
    this.host.audit({ kind: 'session-closed', origin: this.origin, reason });
    this.host.sessionClosed(this);
  }
}

function errorBody(error: CapwireError): { code: number; message: string; details: Record<string, string> } {
  return { code: errorCodeNumber(error.code), message: error.message, details: { ...error.details } };
}
