/**
 * Runs one fuzz input against a host and applies every oracle: exceptions
 * escaping the host, requests answered zero or several times, replies that do
 * not decode or carry a code outside the enum, a per-input time budget, calls
 * that succeed where the reference model says they must be denied, tripwire
 * bytes in any reply, tripwire files changed, sessions left open.
 */
import { decodeMessage } from '../protocol/codec/binary.js';
import type { Message } from '../protocol/codec/message.js';
import { ERROR_CODES } from '../protocol/errors.js';
import { bodyOf, decodeFrame, type Envelope, encodeFrame } from '../protocol/frame.js';
import { DEFAULT_SESSION_LIMITS } from '../protocol/limits.js';
import type { MethodDescriptor } from '../protocol/services.js';
import { scopeKindFor } from '../native/policy-blob.js';
import { decodeBase64 } from '../protocol/base64.js';
import { createMemoryPair } from '../transport/memory.js';
import { createStringChannelPair, StringTransport } from '../transport/string-channel.js';
import type { Transport } from '../transport/transport.js';
import type { FuzzInput } from './input.js';
import type { RefDecision, ReferenceModel } from './reference.js';
import type { FuzzWorkspace } from './workspace.js';

export const FINDING_KINDS = [
  'escaped-exception', 'process-warning', 'no-response', 'duplicate-response', 'malformed-response', 'bad-error-code',
  'malformed-request-accepted', 'policy-violation', 'existence-leak', 'tripwire-read', 'tripwire-changed', 'session-leak', 'memory-growth',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  readonly kind: FindingKind;
  readonly message: string;
}

/** What the fuzzer needs from a host: capwire's Host fits; so does any wrapper with accept(). */
export interface FuzzableHost {
  accept(transport: Transport, platform: { readonly origin: string }): unknown;
  readonly openSessions?: number;
  readonly limits?: { readonly maxFrameBytes: number; readonly maxDepth: number };
}

export interface FuzzTarget {
  readonly host: FuzzableHost;
  readonly reference: ReferenceModel;
  readonly workspace: FuzzWorkspace;
  readonly methods: ReadonlyMap<string, MethodDescriptor>;
  /** Wall-clock budget for one input, handshakes and replies included. */
  readonly budgetMs: number;
}

/** The pseudo-method protocol-level errors (error envelopes) are counted under. */
export const PROTOCOL_ERRORS = '(protocol errors)';

export interface CallOutcome {
  readonly method: string;
  readonly code: string;
}

export interface InputResult {
  readonly finding?: Finding;
  readonly frames: number;
  readonly calls: readonly CallOutcome[];
}

interface CallRecord {
  readonly id: number;
  readonly methodName: string;
  readonly method?: MethodDescriptor;
  /** The request as the host must have decoded it; undefined when it does not decode. */
  readonly request?: Message;
}

interface SessionState {
  readonly index: number;
  readonly origin: string;
  readonly accounted: boolean;
  readonly client: Transport;
  /** String sessions: put raw text on the channel. */
  readonly sendText: (text: string) => void;
  welcomed: boolean;
  closed: boolean;
  readonly pending: Map<number, CallRecord[]>;
  readonly expectErrors: Map<number, number>;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits for a reply (or close) to wake it, or at most `ms`: no busy polling,
 * which would starve the thread pool the native operations run on.
 */
class Waker {
  private pending: (() => void) | undefined;

  wake = (): void => {
    const resolve = this.pending;
    this.pending = undefined;
    resolve?.();
  };

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      this.pending = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Process-wide hooks: what escapes the host lands here, attributed to the running input. */
export class EscapeGuard {
  private readonly events: string[] = [];
  private readonly onError = (error: unknown): void => {
    this.events.push(`escaped-exception: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  };
  private readonly onWarning = (warning: Error): void => {
    this.events.push(`process-warning: ${warning.name}: ${warning.message}`);
  };

  install(): void {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
    process.on('warning', this.onWarning);
  }

  uninstall(): void {
    process.off('uncaughtException', this.onError);
    process.off('unhandledRejection', this.onError);
    process.off('warning', this.onWarning);
  }

  take(): Finding | undefined {
    const first = this.events[0];
    this.events.length = 0;
    if (first === undefined) return undefined;
    const kind = first.startsWith('process-warning') ? 'process-warning' : 'escaped-exception';
    return { kind, message: first.slice(first.indexOf(': ') + 2) };
  }
}

/** The reference verdict for a call that succeeded, by its capability's scope kind. */
export function referenceVerdict(reference: ReferenceModel, origin: string, method: MethodDescriptor, request: Message): RefDecision {
  const capability = method.capability;
  switch (scopeKindFor(capability)) {
    case 'path':
      return reference.decideFs(origin, capability, String(request['path'] ?? ''), capability === 'fs.write' ? 'entry' : 'object');
    case 'name':
      return reference.decideValue(origin, capability, String(request['name'] ?? ''));
    case 'program':
      return reference.decideValue(origin, capability, String(request['program'] ?? ''));
    case 'host':
      return reference.decideValue(origin, capability, `${String(request['host'] ?? '')}:${String(request['port'] ?? 0)}`);
    default:
      return reference.decideNone(origin, capability);
  }
}

function describeScope(request: Message | undefined): string {
  if (!request) return '';
  for (const key of ['path', 'name', 'program', 'host']) if (typeof request[key] === 'string') return ` ${JSON.stringify(request[key])}`;
  return '';
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle);
}

function validCode(code: number | null | undefined): boolean {
  return typeof code === 'number' && Number.isInteger(code) && code > 0 && code < ERROR_CODES.length;
}

/** Runs one input; the first oracle that fires is the finding. */
export async function runInput(target: FuzzTarget, input: FuzzInput, guard: EscapeGuard, sealedDigest: string): Promise<InputResult> {
  const limits = target.host.limits ?? DEFAULT_SESSION_LIMITS;
  const findings: Finding[] = [];
  const calls: CallOutcome[] = [];
  let frames = 0;
  const fail = (kind: FindingKind, message: string): void => {
    findings.push({ kind, message });
  };

  const waker = new Waker();
  const sessions: SessionState[] = input.origins.map((origin, index) => {
    const transport = input.transports?.[index] ?? 'memory';
    let client: Transport;
    let hostEnd: Transport;
    let sendText = (_text: string): void => {};
    if (transport === 'string') {
      const [pageChannel, hostChannel] = createStringChannelPair();
      client = new StringTransport(pageChannel);
      hostEnd = new StringTransport(hostChannel, Math.ceil(((target.host.limits?.maxFrameBytes ?? DEFAULT_SESSION_LIMITS.maxFrameBytes) * 4) / 3) + 4);
      sendText = (text) => pageChannel.send(text);
    } else {
      [client, hostEnd] = createMemoryPair();
    }
    const state: SessionState = {
      index, origin, accounted: input.handshake[index] ?? true, client, sendText,
      welcomed: false, closed: false, pending: new Map(), expectErrors: new Map(),
    };
    client.on('message', (frame) => receive(state, frame));
    client.on('close', () => {
      state.closed = true;
      waker.wake();
    });
    try {
      target.host.accept(hostEnd, { origin });
    } catch (error) {
      fail('escaped-exception', `host.accept threw for origin ${origin}: ${(error as Error)?.message ?? String(error)}`);
    }
    return state;
  });

  function receive(session: SessionState, frame: Uint8Array): void {
    frames++;
    waker.wake();
    for (const secret of target.workspace.secrets) {
      if (indexOfBytes(frame, secret) >= 0) fail('tripwire-read', `session ${session.index} (${session.origin}) received tripwire bytes ${new TextDecoder().decode(secret)}`);
    }
    let envelope: Envelope;
    try {
      envelope = decodeFrame(frame, { maxFrameBytes: Number.MAX_SAFE_INTEGER, maxDepth: 64 });
    } catch (error) {
      fail('malformed-response', `session ${session.index}: host sent a frame that does not decode: ${(error as Error).message}`);
      return;
    }
    const id = envelope.id ?? 0;
    switch (bodyOf(envelope)) {
      case 'welcome':
        if (session.welcomed && session.accounted) fail('malformed-response', `session ${session.index}: a second welcome`);
        session.welcomed = true;
        return;
      case 'error': {
        const code = envelope.error!.code;
        if (!validCode(code)) fail('bad-error-code', `session ${session.index}: error envelope with code ${String(code)} outside 1..${ERROR_CODES.length - 1}`);
        calls.push({ method: PROTOCOL_ERRORS, code: ERROR_CODES[code as number] ?? `code ${String(code)}` });
        if (id === 0) return;
        const expected = session.expectErrors.get(id) ?? 0;
        // The host refuses a request whose id is in flight with INVALID_ARGUMENT; every other error
        // on an id (malformed bodies, credit abuse) answers a frame counted in expectErrors.
        const refusedRequest = code === ERROR_CODES.indexOf('INVALID_ARGUMENT') && (session.pending.get(id)?.length ?? 0) > 1;
        if (expected > 0 && !refusedRequest) {
          session.expectErrors.set(id, expected - 1);
          return;
        }
        // A rejected request (id already in flight). The oldest unanswered record is the call in
        // flight (its answer comes after this error on the ordered channel), so the refused one is
        // the next oldest, not the newest: later requests with the id may already have been sent.
        // Before a handshake every frame draws an error, so unaccounted sessions keep their records.
        if (session.accounted) {
          const records = session.pending.get(id);
          if (records && records.length > 1) records.splice(1, 1);
          else records?.pop();
        }
        return;
      }
      case 'response':
        answer(session, id, envelope.response!);
        return;
      case 'streamChunk':
        streamed(session, id);
        return;
      default:
        fail('malformed-response', `session ${session.index}: host sent a ${bodyOf(envelope) ?? 'bodiless'} envelope`);
    }
  }

  /** A chunk of a server stream: only for a pending streaming call, and never for one the policy denies. */
  function streamed(session: SessionState, id: number): void {
    const record = (session.pending.get(id) ?? []).find((candidate) => candidate.method?.serverStreaming);
    if (!record) {
      fail('malformed-response', `session ${session.index}: a stream chunk for id ${id}, which has no pending streaming call`);
      return;
    }
    if (!record.request) {
      fail('malformed-request-accepted', `session ${session.index}: ${record.methodName} (id ${id}) streams although its request payload does not decode`);
      return;
    }
    const verdict = referenceVerdict(target.reference, session.origin, record.method!, record.request);
    if (verdict.verdict === 'deny' || verdict.verdict === 'invalid') {
      fail('policy-violation', `${session.origin} streamed ${record.methodName}${describeScope(record.request)}, but the reference model says ${verdict.verdict}: ${verdict.reason}`);
    }
  }

  function answer(session: SessionState, id: number, response: NonNullable<Envelope['response']>): void {
    const records = session.pending.get(id) ?? [];
    if (records.length === 0) {
      fail('duplicate-response', `session ${session.index} (${session.origin}): a response for id ${id}, which has no unanswered request (answered twice, or never asked)`);
      return;
    }
    if (response.error != null) {
      const code = response.error.code;
      if (!validCode(code)) fail('bad-error-code', `session ${session.index}: response ${id} carries code ${String(code)} outside 1..${ERROR_CODES.length - 1}`);
      const record = records.shift()!;
      const name = ERROR_CODES[code as number] ?? `code ${String(code)}`;
      calls.push({ method: record.methodName, code: name });
      if ((name === 'NOT_FOUND' || name === 'IO_ERROR') && record.method && record.request && scopeKindFor(record.method.capability) === 'path') {
        // Out of scope must read the same whether or not the path exists.
        const verdict = referenceVerdict(target.reference, session.origin, record.method, record.request);
        if (verdict.verdict === 'deny') {
          fail('existence-leak', `${session.origin} called ${record.methodName}${describeScope(record.request)}: answered ${name} (${response.error.message ?? ''}), but the reference model says deny (${verdict.reason}); a denied path must answer PERMISSION_DENIED whether or not it exists`);
        }
      }
      return;
    }
    if (response.payload == null) {
      fail('malformed-response', `session ${session.index}: response ${id} has neither payload nor error`);
      records.shift();
      return;
    }
    // The oldest unanswered request with this id whose response type the payload decodes as.
    let matched = -1;
    let problem = '';
    for (let i = 0; i < records.length && matched < 0; i++) {
      const method = records[i]!.method;
      if (!method) {
        matched = i;
        break;
      }
      try {
        decodeMessage(method.response, response.payload, limits.maxDepth);
        matched = i;
      } catch (error) {
        problem ||= `${method.name} response does not decode: ${(error as Error).message}`;
      }
    }
    if (matched < 0) {
      fail('malformed-response', `session ${session.index}: response ${id}: ${problem}`);
      records.shift();
      return;
    }
    const [record] = records.splice(matched, 1);
    calls.push({ method: record!.methodName, code: 'OK' });
    if (!record!.method) return;
    if (!record!.request) {
      fail('malformed-request-accepted', `session ${session.index}: ${record!.methodName} (id ${id}) succeeded although its request payload does not decode`);
      return;
    }
    const verdict = referenceVerdict(target.reference, session.origin, record!.method, record!.request);
    if (verdict.verdict === 'deny' || verdict.verdict === 'invalid') {
      fail(
        'policy-violation',
        `${session.origin} called ${record!.methodName}${describeScope(record!.request)} (capability ${record!.method.capability}) and it succeeded, ` +
          `but the reference model says ${verdict.verdict}: ${verdict.reason}`,
      );
    }
  }

  /** Bookkeeping for a frame about to be sent on an accounted session. */
  function classify(session: SessionState, frame: Uint8Array): void {
    let envelope: Envelope;
    try {
      envelope = decodeFrame(frame, limits);
    } catch {
      return; // answered with an error on id 0
    }
    const id = envelope.id ?? 0;
    const body = bodyOf(envelope);
    if (body === 'request' && id !== 0 && envelope.protocolVersion === 1) {
      const methodName = envelope.request!.method ?? '';
      const method = target.methods.get(methodName);
      let request: Message | undefined;
      if (method) {
        try {
          request = decodeMessage(method.request, envelope.request!.payload ?? new Uint8Array(0), limits.maxDepth);
        } catch {
          request = undefined;
        }
      }
      const records = session.pending.get(id) ?? [];
      records.push({ id, methodName, ...(method ? { method } : {}), ...(request ? { request } : {}) });
      session.pending.set(id, records);
    } else if (id !== 0 && session.accounted && (envelope.protocolVersion !== 1 || (body !== 'cancel' && body !== 'request' && !isCreditOnly(envelope)))) {
      session.expectErrors.set(id, (session.expectErrors.get(id) ?? 0) + 1);
    }
  }

  const started = Date.now();
  const deadline = started + target.budgetMs;
  const outstanding = (): string[] => {
    const out: string[] = [];
    for (const session of sessions) {
      if (!session.accounted || session.closed) continue;
      if (!session.welcomed) out.push(`session ${session.index} (${session.origin}): no welcome`);
      for (const [id, records] of session.pending) for (const record of records) out.push(`session ${session.index} (${session.origin}): ${record.methodName} id ${id}`);
      for (const [id, count] of session.expectErrors) if (count > 0) out.push(`session ${session.index}: ${count} error(s) for id ${id}`);
    }
    return out;
  };

  // Handshakes first (the accounted sessions), then the steps in order.
  for (const session of sessions) {
    if (session.accounted) session.client.send(encodeFrame({ protocolVersion: 1, id: 0, hello: { protocolVersions: [1], services: [], clientName: 'capwire-fuzz' } }));
  }
  while (sessions.some((s) => s.accounted && !s.welcomed && !s.closed) && Date.now() < deadline) await waker.sleep(10);
  for (const step of input.steps) {
    const session = sessions[step.session]!;
    if (step.text !== undefined) {
      const bytes = decodeBase64(step.text);
      if (bytes && (session.welcomed || !session.accounted)) classify(session, bytes);
      session.sendText(step.text);
      continue;
    }
    if (!step.frame) {
      await turn();
      continue;
    }
    if (session.welcomed || !session.accounted) classify(session, step.frame);
    session.client.send(step.frame);
  }
  while (outstanding().length > 0 && Date.now() < deadline) await waker.sleep(10);
  const late = outstanding();
  if (late.length > 0) {
    fail('no-response', `no reply within the ${target.budgetMs} ms budget for ${late.length} call(s): ${late.slice(0, 5).join('; ')}${late.length > 5 ? '; ...' : ''}`);
  }
  await turn(); // a second answer to a call would show up here
  for (const session of sessions) session.client.close('fuzz input done');
  await turn();
  if (target.host.openSessions !== undefined && target.host.openSessions !== 0) {
    fail('session-leak', `${target.host.openSessions} session(s) still open after every client closed`);
  }
  const escaped = guard.take();
  if (escaped) findings.unshift(escaped);
  const digest = target.workspace.sealedDigest();
  if (digest !== sealedDigest) findings.push({ kind: 'tripwire-changed', message: 'a file outside the granted write roots was created, changed or removed' });
  return { ...(findings[0] ? { finding: findings[0] } : {}), frames, calls };
}

/** A page's flow-control grant: the host applies it to a live stream or ignores it, and never answers it. */
function isCreditOnly(envelope: Envelope): boolean {
  const chunk = envelope.streamChunk;
  return chunk != null && (chunk.data?.byteLength ?? 0) === 0 && !chunk.end;
}
