/** Builds a connected host + client over a memory pair for protocol tests. */
import type { Authority } from '../../src/host/authority.js';
import type { ServiceImplementation } from '../../src/host/handlers.js';
import { Host, type HostOptions } from '../../src/host/host.js';
import type { AuditEvent } from '../../src/host/session.js';
import { sysService } from '../../src/host/sys-service.js';
import { Client, type ClientOptions } from '../../src/client/client.js';
import type { SessionLimits } from '../../src/protocol/limits.js';
import { createMemoryPair } from '../../src/transport/memory.js';

/**
 * A fixed table of (origin -> capabilities) for protocol tests that are not
 * about the policy engine. Policy decisions are tested against the native engine.
 */
export function tableAuthority(grants: Record<string, string[]>): Authority {
  return {
    check(origin, capability) {
      return grants[origin]?.includes(capability)
        ? { allowed: true }
        : { allowed: false, message: `${capability} denied for origin ${JSON.stringify(origin)}` };
    },
    capabilitiesFor(origin) {
      return [...(grants[origin] ?? [])].sort();
    },
  };
}

export const MAIN_ORIGIN = 'app://main';

export interface PairOptions {
  authority?: Authority;
  services?: ServiceImplementation[];
  limits?: Partial<SessionLimits>;
  origin?: string;
  client?: ClientOptions;
}

export async function connectedPair(options: PairOptions = {}) {
  const audit: AuditEvent[] = [];
  const hostOptions: HostOptions = {
    authority: options.authority ?? tableAuthority({ [MAIN_ORIGIN]: ['sys.ping', 'test.slow', 'test.fail'] }),
    services: options.services ?? [sysService()],
    ...(options.limits ? { limits: options.limits } : {}),
    onAudit: (event) => audit.push(event),
  };
  const host = new Host(hostOptions);
  const [clientEnd, hostEnd] = createMemoryPair();
  const session = host.accept(hostEnd, { origin: options.origin ?? MAIN_ORIGIN });
  const client = await Client.connect(clientEnd, options.client);
  return { host, client, session, clientEnd, hostEnd, audit };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Asserts a promise rejects with a CapwireError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as Error & { code: string };
    if (failure.code !== code) throw new Error(`expected code ${code}, got ${failure.code}: ${failure.message}`);
    return failure;
  }
  throw new Error(`expected rejection with ${code}, but the promise resolved`);
}

import { loadProtoDirs } from '../../src/protocol/proto-loader.js';
import { describeServices } from '../../src/protocol/services.js';
import { fileURLToPath } from 'node:url';

export const TEST_PROTO_DIR = fileURLToPath(new URL('../fixtures/protos', import.meta.url));
export const testSchemas = loadProtoDirs([TEST_PROTO_DIR]);

/** test.v1.Test: slow (cancellable), fail (throws), echo (every field kind). */
export function testService(): ServiceImplementation {
  const descriptor = describeServices(testSchemas).find((service) => service.name === 'test.v1.Test')!;
  return {
    descriptor,
    handlers: {
      'test.slow': (request, context) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ cancelled: false }), Number(request['ms']));
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve({ cancelled: true });
          });
        }),
      'test.fail': (request) => {
        throw new Error(`handler failed: ${String(request['reason'])}`);
      },
      'test.echo': (request) => request,
      'test.count': (request, context) => countStream(request, context.signal),
    },
  };
}

/** Observations of the last test.count stream, for flow-control assertions. */
export const countStreams = { produced: 0, finished: false, aborted: false };

async function* countStream(request: Record<string, unknown>, signal: AbortSignal) {
  countStreams.produced = 0;
  countStreams.finished = false;
  countStreams.aborted = false;
  signal.addEventListener('abort', () => (countStreams.aborted = true));
  try {
    for (let n = 0; n < Number(request['count']); n++) {
      if (request['failAfter'] && n === request['failAfter']) throw new Error(`count failed at ${n}`);
      countStreams.produced++;
      yield { n, filler: request['filler'] };
    }
  } finally {
    countStreams.finished = true;
  }
}
