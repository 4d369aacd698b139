/**
 * The built-in services (fs, env, os, process, net) and the capability
 * authority, both backed by the native engine: the C++ core makes every
 * decision and performs every OS operation. This module only converts
 * between decoded messages and the engine's plain objects.
 */
import type { Message } from '../protocol/codec/message.js';
import { CapwireError } from '../protocol/errors.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { describeServices, type MethodDescriptor, type ServiceDescriptor } from '../protocol/services.js';
import type { NativeEngine, NativeOutcome } from '../native/binding.js';
import { capabilitiesGranted, type Policy } from '../policy/policy.js';
import type { Authority, Decision } from './authority.js';
import type { Handler, ServiceImplementation } from './handlers.js';

const NATIVE_SERVICES = ['capwire.v1.Fs', 'capwire.v1.Env', 'capwire.v1.Os', 'capwire.v1.Process', 'capwire.v1.Net'];

const MAX_REMEMBERED_DECISIONS = 4096;

/** Unscoped checks (custom capabilities, sys.ping) asked of the native engine. */
export function nativeAuthority(engine: NativeEngine, policy: Policy): Authority {
  // The engine's policy is sealed, so its answer for a pair never changes:
  // remember it (bounded; origins come from the platform, not from pages).
  const decisions = new Map<string, Decision>();
  return {
    check(origin, capability) {
      const key = `${origin}\0${capability}`;
      let decision = decisions.get(key);
      if (!decision) {
        const outcome = engine.check(origin, capability);
        decision = outcome.code === 'OK' ? { allowed: true } : { allowed: false, message: outcome.message };
        if (decisions.size >= MAX_REMEMBERED_DECISIONS) decisions.clear();
        decisions.set(key, decision);
      }
      return decision;
    },
    capabilitiesFor(origin) {
      return capabilitiesGranted(policy, origin);
    },
  };
}

/** Decoded message -> the engine's params: 64-bit ints become numbers, unset fields are left out. */
function toNativeParams(method: string, message: Message): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (value === undefined) continue;
    if (typeof value === 'bigint') {
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CapwireError('INVALID_ARGUMENT', `${method}: ${key} is too large`);
      params[key] = Number(value);
    } else {
      params[key] = value;
    }
  }
  return params;
}

/** A non-OK outcome as a CapwireError carrying the denial's audit details. */
function outcomeError(outcome: Exclude<NativeOutcome, { code: 'OK' }>): CapwireError {
  const details: Record<string, string> = {};
  if (outcome.audit) {
    details['capability'] = outcome.audit.capability;
    details['wouldAllow'] = outcome.audit.wouldAllow;
  }
  return new CapwireError(outcome.code, outcome.message, details);
}

/** One engine operation. With a signal, an abort (cancel, deadline, closed session) stops it natively. */
async function nativeCall(engine: NativeEngine, origin: string, method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<Message> {
  const outcome = await engine.call(origin, method, params, signal);
  if (outcome.code === 'OK') return outcome.result as Message;
  throw outcomeError(outcome);
}

export const DEFAULT_STREAM_CHUNK_BYTES = 1024 * 1024;
const MAX_STREAM_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * fs.readFileStream: the file in chunks, each one an fs.readFile of a range,
 * so every chunk is resolved and checked again by the native core (a path
 * swapped for a symlink mid-stream fails at the next chunk).
 */
function readFileStream(engine: NativeEngine): Handler {
  return async function* (request, context) {
    const chunkBytes = Math.min(Number(request['chunkBytes'] ?? 0) || DEFAULT_STREAM_CHUNK_BYTES, MAX_STREAM_CHUNK_BYTES);
    let offset = Number(request['offset'] ?? 0n);
    let remaining = request['length'] === undefined ? Number.POSITIVE_INFINITY : Number(request['length']);
    const path = request['path'];
    // At least one native read, even for length 0: the check must run for every
    // request (found by capwire fuzz: a zero-length stream "succeeded" unchecked).
    do {
      const length = Math.min(chunkBytes, remaining);
      const chunk = await nativeCall(engine, context.origin, 'fs.readFile', { path, offset, length });
      const data = chunk['data'] as Uint8Array;
      if (data.byteLength > 0) yield { data };
      if (data.byteLength < length || data.byteLength === 0) return; // end of file
      offset += data.byteLength;
      remaining -= data.byteLength;
    } while (remaining > 0 && !context.signal.aborted);
  };
}

/** Bytes of output per process.spawnStream message (stdout and stderr together). */
export const SPAWN_STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * process.spawnStream: the program's output as the engine reads it, one read
 * per message, so a page without credit leaves the program blocked on a full
 * pipe. However the stream ends (exit, cancel, deadline, closed session), the
 * finally block closes the handle, which kills the process group.
 */
function spawnStream(engine: NativeEngine): Handler {
  return async function* (request, context) {
    const started = engine.startProcess(context.origin, toNativeParams('process.spawnStream', request));
    if (started.code !== 'OK') throw outcomeError(started);
    const program = started.process;
    const onAbort = (): void => program.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const piece = await program.read(SPAWN_STREAM_CHUNK_BYTES);
        if (piece.code !== 'OK') throw outcomeError(piece);
        const { stdout, stderr, exited, exitCode, signal } = piece.result;
        if (exited) {
          yield { stdout, stderr, exitCode, ...(signal ? { signal } : {}) };
          return;
        }
        // An empty read only means "nothing within 50 ms": ask again without sending anything.
        if (stdout.byteLength > 0 || stderr.byteLength > 0) yield { stdout, stderr };
      }
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      program.close();
    }
  };
}

function nativeHandler(engine: NativeEngine, method: MethodDescriptor): Handler {
  if (method.name === 'fs.readFileStream') return readFileStream(engine);
  if (method.name === 'process.spawnStream') return spawnStream(engine);
  if (method.name === 'process.spawn') {
    // A spawned program may run for minutes: a cancel or a closed session kills it.
    return (request, context) => nativeCall(engine, context.origin, method.name, toNativeParams(method.name, request), context.signal);
  }
  if (method.serverStreaming) {
    // net.connect: the engine checks host:port; byte streams to sockets are not implemented yet.
    return async function* (request, context) {
      yield await nativeCall(engine, context.origin, method.name, toNativeParams(method.name, request));
    };
  }
  return (request, context) => nativeCall(engine, context.origin, method.name, toNativeParams(method.name, request));
}

/** fs, env, os, process and net, each method a call into the engine. */
export function nativeServices(engine: NativeEngine): ServiceImplementation[] {
  return describeServices(builtinSchemas())
    .filter((service) => NATIVE_SERVICES.includes(service.name))
    .map((descriptor: ServiceDescriptor) => ({
      descriptor,
      handlers: Object.fromEntries(descriptor.methods.map((method) => [method.name, nativeHandler(engine, method)])),
      nativeScopedChecks: true,
    }));
}
