/**
 * The host every benchmark talks to: the real policy host (native engine,
 * built-in services, sys.ping) over a policy that grants the bench origin
 * sys.ping and fs.read in a data directory. Used in-process and in the worker.
 */
import { createPolicyHost, type PolicyHost } from '../host/create.js';
import { parsePolicy } from '../policy/policy.js';

export const BENCH_ORIGIN = 'app://bench';

export interface BenchHostOptions {
  /** Directory fs.read is granted in. */
  readonly dataDir: string;
  readonly maxFrameBytes?: number;
  readonly maxReadBytes?: number;
  readonly maxInFlight?: number;
}

export function benchHost(options: BenchHostOptions): PolicyHost {
  const policy = parsePolicy(
    {
      version: 1,
      grants: [
        { capability: 'sys.ping', origins: [BENCH_ORIGIN] },
        { capability: 'fs.read', origins: [BENCH_ORIGIN], paths: [options.dataDir] },
      ],
    },
    options.dataDir,
  );
  return createPolicyHost({
    policy,
    // 256 calls in flight is one of the concurrency figures (the default cap is 64).
    limits: {
      maxInFlight: options.maxInFlight ?? 256,
      ...(options.maxFrameBytes ? { maxFrameBytes: options.maxFrameBytes } : {}),
    },
    ...(options.maxReadBytes ? { engineLimits: { maxReadBytes: options.maxReadBytes } } : {}),
  });
}
