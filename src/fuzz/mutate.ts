/**
 * The structure-aware input generator. Starts from valid envelopes for every
 * method in the loaded schemas and mutates them at three levels: the envelope
 * (ids, versions, bodies, sessions, ordering), the request payload (wire types,
 * unknown fields, nesting, length lies) and raw bytes (flips, truncation,
 * splices, random frames).
 */
import { encodeMessage } from '../protocol/codec/binary.js';
import type { MethodDescriptor } from '../protocol/services.js';
import { type Envelope, encodeFrame } from '../protocol/frame.js';
import { type Dictionary, randomMessage } from './generate.js';
import type { FuzzInput, FuzzStep } from './input.js';
import type { Rng } from './random.js';
import { concat, lengthDelimited, scanFields, tag, varint } from './wire.js';

export interface MutatorContext {
  readonly methods: readonly MethodDescriptor[];
  readonly origins: readonly string[];
  readonly dict: Dictionary;
  readonly maxFrameBytes: number;
  /** Frames from the corpus, spliced in as they are or mutated. */
  readonly corpusFrames: readonly Uint8Array[];
}

/** Names of every mutation, for reporting. */
export const STRATEGIES = [
  'request', 'request-bytes', 'payload-wire-type', 'payload-unknown-field', 'payload-deep-nesting', 'payload-length-lie',
  'payload-huge-length', 'payload-truncated', 'id-reuse', 'cancel', 'cancel-storm', 'stream-chunks', 'wrong-body',
  'wrong-version', 'random-bytes', 'empty', 'oversize', 'corpus', 'wait', 'unknown-method', 'request-flood', 'text',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

class InputBuilder {
  readonly steps: FuzzStep[] = [];
  /** Ids used per session, for reuse and cancels. */
  private readonly ids: number[][];
  private nextId: number[];

  constructor(private readonly rng: Rng, private readonly ctx: MutatorContext, sessions: number) {
    this.ids = Array.from({ length: sessions }, () => []);
    this.nextId = Array.from({ length: sessions }, () => 1 + rng.int(3));
  }

  freshId(session: number): number {
    const id = this.nextId[session]!;
    this.nextId[session] = id + 1 + (this.rng.chance(0.1) ? this.rng.int(1000) : 0);
    this.ids[session]!.push(id);
    return id;
  }

  usedId(session: number): number {
    const ids = this.ids[session]!;
    return ids.length > 0 && this.rng.chance(0.9) ? this.rng.pick(ids) : this.rng.pick([0, 1, 2, 0xffffffff, this.rng.u32()]);
  }

  send(session: number, frame: Uint8Array): void {
    this.steps.push({ session, frame });
  }

  text(session: number, text: string): void {
    this.steps.push({ session, text });
  }

  wait(session: number): void {
    this.steps.push({ session });
  }

  method(): MethodDescriptor {
    return this.rng.pick(this.ctx.methods);
  }

  payload(method: MethodDescriptor): Uint8Array {
    return encodeMessage(method.request, randomMessage(method.request, this.rng, this.ctx.dict));
  }

  request(session: number, id: number, method: MethodDescriptor, payload = this.payload(method)): Envelope {
    const deadline = this.rng.chance(0.15) ? this.rng.pick([1, 5, 50, 1000, 0x7fffffff, 0x80000000, 0xffffffff]) : 0;
    return { protocolVersion: 1, id, request: { method: method.name, payload, deadlineMs: deadline } };
  }
}

function flipBits(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length === 0) return out;
  for (let i = 1 + rng.int(4); i > 0; i--) {
    const at = rng.int(out.length);
    out[at] = out[at]! ^ (1 << rng.int(8));
  }
  return out;
}

function byteMutation(rng: Rng, bytes: Uint8Array): Uint8Array {
  switch (rng.int(6)) {
    case 0: return flipBits(rng, bytes);
    case 1: return bytes.slice(0, rng.int(bytes.length + 1));
    case 2: {
      const out = Uint8Array.from(bytes);
      if (out.length > 0) out[rng.int(out.length)] = rng.pick([0x00, 0x7f, 0x80, 0xff]);
      return out;
    }
    case 3: {
      const at = rng.int(bytes.length + 1);
      return concat(bytes.subarray(0, at), rng.bytes(1 + rng.int(8)), bytes.subarray(at));
    }
    case 4: {
      const at = rng.int(bytes.length + 1);
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + rng.int(4))));
    }
    default: return concat(bytes, bytes.subarray(0, rng.int(bytes.length + 1)));
  }
}

/** Payload-level mutations that keep the envelope valid. */
function payloadMutation(rng: Rng, kind: Strategy, payload: Uint8Array, method: MethodDescriptor): Uint8Array {
  const fields = scanFields(payload);
  switch (kind) {
    case 'payload-wire-type': {
      const known = method.request.fields;
      const field = known.length > 0 ? rng.pick(known) : undefined;
      const number = field?.number ?? 1;
      const wrong = rng.pick([0, 1, 2, 3, 4, 5, 6, 7]);
      const value = wrong === 0 ? varint(rng.u32()) : wrong === 1 ? [...rng.bytes(8)] : wrong === 5 ? [...rng.bytes(4)] : wrong === 2 ? [...varint(3), 1, 2, 3] : [];
      return concat(tag(number, wrong), value, payload);
    }
    case 'payload-unknown-field': {
      const number = rng.pick([100, 1000, 536870911, 19000, 7]);
      const extra = rng.chance(0.5) ? lengthDelimited(number, rng.bytes(rng.size(64))) : [...tag(number, 0), ...varint(rng.u32())];
      return rng.chance(0.5) ? concat(payload, extra) : concat(extra, payload);
    }
    case 'payload-deep-nesting': {
      const nested = method.request.fields.find((field) => field.value.kind === 'message');
      const number = nested?.number ?? 99;
      // Built inside out: each level's prefix is its tag and the size of everything inside it.
      const prefixes: number[][] = [];
      let size = 0;
      for (let depth = rng.pick([8, 31, 32, 33, 64, 500, 3000]); depth > 0; depth--) {
        const prefix = [...tag(number, 2), ...varint(size)];
        prefixes.push(prefix);
        size += prefix.length;
      }
      return concat(payload, ...prefixes.reverse());
    }
    case 'payload-length-lie': {
      const len = fields.filter((field) => field.lengthAt !== undefined);
      if (len.length === 0) return concat(payload, [...tag(1, 2), ...varint(rng.range(1, 100))]);
      const field = rng.pick(len);
      const actual = field.end - field.valueStart;
      const lie = Math.max(0, actual + rng.pick([-2, -1, 1, 2, 1000]));
      return concat(payload.subarray(0, field.lengthAt), varint(lie), payload.subarray(field.lengthAt! + field.lengthSize!));
    }
    case 'payload-huge-length':
      return concat(payload, tag(rng.pick([1, 2, 99]), 2), varint(rng.pick([0xffffffff, 2 ** 31, 2 ** 53, 2n ** 64n - 1n])));
    default:
      return payload.slice(0, rng.int(payload.length + 1));
  }
}

/** One strategy applied on one session; returns which it was. */
function addStrategy(b: InputBuilder, rng: Rng, ctx: MutatorContext, session: number, sessions: number): Strategy {
  const strategy = rng.pick(STRATEGIES);
  switch (strategy) {
    case 'request': {
      const method = b.method();
      b.send(session, encodeFrame(b.request(session, b.freshId(session), method)));
      break;
    }
    case 'request-bytes': {
      const method = b.method();
      b.send(session, byteMutation(rng, encodeFrame(b.request(session, b.freshId(session), method))));
      break;
    }
    case 'payload-wire-type': case 'payload-unknown-field': case 'payload-deep-nesting': case 'payload-length-lie':
    case 'payload-huge-length': case 'payload-truncated': {
      const method = b.method();
      const payload = payloadMutation(rng, strategy, b.payload(method), method);
      b.send(session, encodeFrame(b.request(session, b.freshId(session), method, payload)));
      break;
    }
    case 'id-reuse': {
      const method = b.method();
      b.send(session, encodeFrame(b.request(session, b.usedId(session), method)));
      break;
    }
    case 'cancel':
      b.send(session, encodeFrame({ protocolVersion: 1, id: b.usedId(session), cancel: { reason: rng.chance(0.5) ? '' : 'x'.repeat(rng.size(2000)) } }));
      break;
    case 'cancel-storm':
      for (let i = rng.range(5, 60); i > 0; i--) {
        b.send(rng.int(sessions), encodeFrame({ protocolVersion: 1, id: b.usedId(session), cancel: { reason: 'storm' } }));
        if (rng.chance(0.1)) b.wait(session);
      }
      break;
    case 'stream-chunks': {
      const id = b.usedId(session);
      const seqs = Array.from({ length: rng.range(1, 8) }, (_, i) => i + 1);
      for (let i = seqs.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [seqs[i], seqs[j]] = [seqs[j]!, seqs[i]!];
      }
      for (const seq of seqs) {
        b.send(session, encodeFrame({ protocolVersion: 1, id, streamChunk: { seq, data: rng.bytes(rng.size(32)), end: rng.chance(0.2), credit: rng.int(4) } }));
      }
      break;
    }
    case 'wrong-body': {
      const id = b.usedId(session);
      const bodies: Envelope[] = [
        { protocolVersion: 1, id, hello: { protocolVersions: [1], services: [] } },
        { protocolVersion: 1, id, welcome: { protocolVersion: 1, origin: 'app://main', capabilities: ['fs.write'] } },
        { protocolVersion: 1, id, response: { payload: rng.bytes(4) } },
        { protocolVersion: 1, id, error: { code: rng.int(20), message: 'client error' } },
        { protocolVersion: 1, id },
      ];
      b.send(session, encodeFrame(rng.pick(bodies)));
      break;
    }
    case 'wrong-version': {
      const method = b.method();
      const envelope = b.request(session, b.freshId(session), method);
      b.send(session, encodeFrame({ ...envelope, protocolVersion: rng.pick([0, 2, 0xffffffff]) }));
      break;
    }
    case 'random-bytes':
      b.send(session, rng.bytes(rng.size(256)));
      break;
    case 'empty':
      b.send(session, new Uint8Array(0));
      break;
    case 'oversize':
      // Rare: allocating a frame above the limit is the point, and it is not cheap.
      if (rng.chance(0.05)) b.send(session, new Uint8Array(ctx.maxFrameBytes + 1).fill(0x0a));
      else b.send(session, concat(tag(12, 2), varint(ctx.maxFrameBytes + 1)));
      break;
    case 'corpus':
      if (ctx.corpusFrames.length > 0) {
        const frame = rng.pick(ctx.corpusFrames);
        b.send(session, rng.chance(0.5) ? frame : byteMutation(rng, frame));
      }
      break;
    case 'wait':
      b.wait(session);
      break;
    case 'unknown-method': {
      const method = b.method();
      const name = rng.pick([`${method.name}x`, method.name.toUpperCase(), '', 'a'.repeat(300), `${method.name}\0`, 'constructor', '__proto__', 'toString']);
      b.send(session, encodeFrame({ protocolVersion: 1, id: b.freshId(session), request: { method: name, payload: b.payload(method) } }));
      break;
    }
    case 'text': {
      // On a string channel: base64 in odd spellings, or not base64 at all (memory sessions send random bytes).
      const frame = encodeFrame(b.request(session, b.freshId(session), b.method()));
      const standard = Buffer.from(frame).toString('base64');
      const texts = [
        standard.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
        `${standard} `,
        ` ${standard}`,
        standard.replace(/=+$/, '==='),
        `${standard.slice(0, -1)}\u00e9`,
        standard.slice(0, Math.max(0, standard.length - 1 - rng.int(3))),
        '',
        '====',
        'A',
        'A'.repeat(rng.pick([4, 4001, Math.ceil(((ctx.maxFrameBytes + 1) * 4) / 3) + 8])),
        String.fromCharCode(...rng.bytes(rng.size(32))),
      ];
      b.text(session, rng.pick(texts));
      break;
    }
    case 'request-flood': {
      const method = b.method();
      for (let i = rng.range(10, 80); i > 0; i--) b.send(session, encodeFrame(b.request(session, b.freshId(session), method)));
      break;
    }
  }
  return strategy;
}

/** A whole input: 1-3 interleaved sessions, a handful of strategies. */
export function generateInput(rng: Rng, ctx: MutatorContext): FuzzInput {
  const sessions = rng.chance(0.7) ? 1 : rng.range(2, 3);
  const origins = Array.from({ length: sessions }, () => (rng.chance(0.6) ? ctx.origins[0]! : rng.pick(ctx.origins)));
  const handshake = origins.map(() => rng.chance(0.92));
  const transports = origins.map(() => (rng.chance(0.25) ? ('string' as const) : ('memory' as const)));
  const b = new InputBuilder(rng, ctx, sessions);
  handshake.forEach((done, session) => {
    if (done) return;
    const hello = encodeFrame({
      protocolVersion: rng.pick([0, 1, 2]),
      id: rng.pick([0, 1]),
      hello: {
        protocolVersions: rng.pick([[1], [], [2, 3], [0xffffffff, 1]]),
        services: rng.pick([[], [{ name: 'capwire.v1.Fs', version: '1.0.0' }], [{ name: 'capwire.v1.Fs', version: '2.0.0' }], [{ name: 'nope.v1.X', version: '1' }]]),
        clientName: 'fuzz',
      },
    });
    b.send(session, rng.chance(0.5) ? hello : byteMutation(rng, hello));
  });
  for (let i = rng.range(1, 12); i > 0; i--) addStrategy(b, rng, ctx, rng.int(sessions), sessions);
  // Text steps only make sense on string sessions; elsewhere they become random frames.
  const steps = b.steps.map((step) => (step.text !== undefined && transports[step.session] !== 'string' ? { session: step.session, frame: new TextEncoder().encode(step.text) } : step));
  return { origins, handshake, transports, steps };
}
