/** The usual way to build a host: a policy, the native engine over it, and the built-in services. */
import { openEngine, type NativeEngine, type OpenEngineOptions } from '../native/binding.js';
import type { EngineLimits } from '../native/policy-blob.js';
import { type Policy, policyBlob } from '../policy/policy.js';
import type { ServiceImplementation } from './handlers.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { withFingerprint } from './fingerprints.js';
import { Host, type HostOptions } from './host.js';
import { nativeAuthority, nativeServices } from './native-services.js';
import { sysService } from './sys-service.js';

export interface PolicyHostOptions extends Omit<HostOptions, 'authority' | 'services'> {
  readonly policy: Policy;
  /** App services (from `capwire gen`), next to the built-ins. */
  readonly services?: readonly ServiceImplementation[];
  readonly engineLimits?: Partial<EngineLimits>;
  readonly engineOptions?: OpenEngineOptions;
}

export interface PolicyHost {
  readonly host: Host;
  readonly engine: NativeEngine;
  /** Closes every session, then the engine's root directory fds. */
  close(): void;
}

export function createPolicyHost(options: PolicyHostOptions): PolicyHost {
  const engine = openEngine(policyBlob(options.policy, options.engineLimits), options.engineOptions);
  const host = new Host({
    ...options,
    authority: nativeAuthority(engine, options.policy),
    services: [...[sysService(), ...nativeServices(engine)].map((builtin) => withFingerprint(builtin, builtinSchemas().root)), ...(options.services ?? [])],
  });
  return {
    host,
    engine,
    close() {
      host.close();
      engine.close();
    },
  };
}
