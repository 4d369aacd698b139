/**
 * The built-in services (fs, env, os, process, net) and the capability
 * authority, both backed by the native engine: the C++ core makes every
 * decision and performs every OS operation. This module only converts
 * between decoded messages and the engine's plain objects.
 */
import type { Message } from '../protocol/codec/message.js';
import { CapwireError } from '../protocol/errors.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { describeServices, type ServiceDescriptor } from '../protocol/services.js';
import type { NativeEngine } from '../native/binding.js';
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

function nativeHandler(engine: NativeEngine, method: string): Handler {
  return async (request, context) => {
    const outcome = await engine.call(context.origin, method, toNativeParams(method, request));
    if (outcome.code === 'OK') return outcome.result as Message;
    const details: Record<string, string> = {};
    if (outcome.audit) {
      details['capability'] = outcome.audit.capability;
      details['wouldAllow'] = outcome.audit.wouldAllow;
    }
    throw new CapwireError(outcome.code, outcome.message, details);
  };
}

/** fs, env, os, process and net, each method a call into the engine. */
export function nativeServices(engine: NativeEngine): ServiceImplementation[] {
  return describeServices(builtinSchemas())
    .filter((service) => NATIVE_SERVICES.includes(service.name))
    .map((descriptor: ServiceDescriptor) => ({
      descriptor,
      handlers: Object.fromEntries(descriptor.methods.map((method) => [method.name, nativeHandler(engine, method.name)])),
      nativeScopedChecks: true,
    }));
}
