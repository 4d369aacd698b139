// Typed wrapper over the native engine. The native side never throws for
// policy or OS errors: every call resolves to a NativeOutcome.
import { ERROR_CODES, type ErrorCode } from '../protocol/errors.js';
import { type RawEngine, type RawProcess, loadAddon } from './load-addon.js';

/** The native core uses capwire's one code list (src/protocol/errors.ts); index = capwire.v1.ErrorCode number. */
export const NATIVE_CODES = ERROR_CODES;

export type NativeCode = ErrorCode;

export interface AuditRecord {
  origin: string;
  capability: string;
  request: string;
  wouldAllow: string;
}

export type NativeOutcome =
  | { code: 'OK'; result: Record<string, unknown> }
  | { code: Exclude<NativeCode, 'OK'>; message: string; audit?: AuditRecord };

/** A piece of a running program's output; `exited` comes once, with the last piece. */
export interface ProcessOutput {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exited: boolean;
  exitCode?: number;
  signal?: string;
}

/** A program started by startProcess; the process group is killed by close(), an abort, or garbage collection. */
export interface NativeProcess {
  readonly pid: number;
  /** Waits up to 50 ms for output (at most maxBytes; may be empty) or the exit. TIMEOUT / CANCELLED outcomes kill the group. */
  read(maxBytes: number): Promise<{ code: 'OK'; result: ProcessOutput } | Exclude<NativeOutcome, { code: 'OK' }>>;
  /** Kills the process group (if still running) and frees the pipes. Idempotent. */
  close(): void;
}

export interface NativeEngine {
  /**
   * Never rejects for policy/OS errors; unknown method -> UNKNOWN_METHOD outcome.
   * An abort of `signal` stops the operation natively: a spawned program's
   * process group is killed and the outcome is CANCELLED.
   */
  call(origin: string, method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<NativeOutcome>;
  /** Checks process.spawn for the program and starts it for reading piece by piece. */
  startProcess(origin: string, params: Record<string, unknown>): { code: 'OK'; process: NativeProcess } | Exclude<NativeOutcome, { code: 'OK' }>;
  /** Pure, synchronous decision. */
  check(origin: string, capability: string, scopeValue?: string): NativeOutcome;
  /** Releases root fds; later calls yield an INTERNAL outcome. */
  close(): void;
  /** Which path resolver this engine uses. */
  readonly resolver: 'openat2' | 'fallback';
  /** Path scopes that did not exist (or were not directories) at load; their grants are inert. */
  readonly inertRoots: readonly string[];
}

export interface OpenEngineOptions {
  /** Use the no-openat2 fallback resolver (also: CAPWIRE_FORCE_NO_OPENAT2=1). */
  forceNoOpenat2?: boolean;
}

class Engine implements NativeEngine {
  readonly #raw: RawEngine;
  readonly resolver: 'openat2' | 'fallback';
  readonly inertRoots: readonly string[];

  constructor(raw: RawEngine) {
    this.#raw = raw;
    this.resolver = raw.resolver ?? 'openat2';
    this.inertRoots = Object.freeze([...raw.inertRoots]);
  }

  call(origin: string, method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<NativeOutcome> {
    if (!signal) return this.#raw.call(origin, method, params) as Promise<NativeOutcome>;
    const token = new (loadAddon().CancelToken)();
    if (signal.aborted) token.cancel();
    const onAbort = (): void => token.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    const outcome = this.#raw.call(origin, method, params, token) as Promise<NativeOutcome>;
    return outcome.finally(() => signal.removeEventListener('abort', onAbort));
  }

  startProcess(origin: string, params: Record<string, unknown>): ReturnType<NativeEngine['startProcess']> {
    const outcome = this.#raw.startProcess(origin, params) as NativeOutcome;
    if (outcome.code !== 'OK') return outcome;
    // The addon's process object already is a NativeProcess (RawProcess, with typed outcomes).
    return { code: 'OK', process: outcome.result['process'] as RawProcess as NativeProcess };
  }

  check(origin: string, capability: string, scopeValue?: string): NativeOutcome {
    return this.#raw.check(origin, capability, scopeValue) as NativeOutcome;
  }

  close(): void {
    this.#raw.close();
  }
}

/** Throws an Error with .code = 'INVALID_ARGUMENT' on a bad blob. */
export function openEngine(blob: Uint8Array, options?: OpenEngineOptions): NativeEngine {
  return new Engine(loadAddon().openEngine(blob, options));
}

export function nativeAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

export function openat2Available(): boolean {
  return loadAddon().openat2Available();
}
