/**
 * Which host a fuzz run attacks. By default capwire's own policy host (native
 * engine + built-in services) over the generated workspace; with
 * `--host MODULE`, an app's host built by that module.
 *
 * The module's shape (ESM; default export or a named export `createHost`):
 *
 *   export default async function createHost(context: FuzzHostContext): Promise<FuzzHostSetup> {
 *     const { host, close } = createPolicyHost({ policy: context.policy, services: [myNotesService()] });
 *     return { host, close };
 *   }
 *
 * `context.workspace` is a generated directory tree with tripwire files and
 * `context.policy` a policy over it; a host that uses them gets the filesystem
 * oracles (tripwires, the reference model) for free. A host with its own
 * policy returns it as `policy`, and the reference model judges by that one.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPolicyHost } from '../host/create.js';
import type { Policy } from '../policy/policy.js';
import type { SchemaSet } from '../protocol/codec/schema.js';
import type { FuzzableHost } from './runner.js';

export interface FuzzHostContext {
  /** Real path of the generated workspace. */
  readonly workspace: string;
  /** The fuzz policy over that workspace (what the built-in host uses). */
  readonly policy: Policy;
  /** Origins the fuzzer opens sessions for. */
  readonly origins: readonly string[];
  /** Built-in schemas plus every --proto dir. */
  readonly schemas: readonly SchemaSet[];
}

export interface FuzzHostSetup {
  /** capwire's Host, or anything with accept(transport, {origin}). */
  readonly host: FuzzableHost;
  /** The policy the host enforces, when it is not context.policy. */
  readonly policy?: Policy;
  /** Called once when the run ends. */
  close?(): void | Promise<void>;
}

export type CreateFuzzHost = (context: FuzzHostContext) => FuzzHostSetup | Promise<FuzzHostSetup>;

/** Limits for the built-in target: more malformed frames per session, so inputs reach deeper. */
export const BUILTIN_FUZZ_LIMITS = { maxMalformedFrames: 64 } as const;

export const builtinFuzzHost: CreateFuzzHost = (context) => {
  const created = createPolicyHost({ policy: context.policy, limits: BUILTIN_FUZZ_LIMITS });
  return { host: created.host, close: () => created.close() };
};

/** Imports a --host module and finds its factory. */
export async function loadHostModule(path: string): Promise<CreateFuzzHost> {
  const module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown; createHost?: unknown };
  const factory = typeof module.default === 'function' ? module.default : module.createHost;
  if (typeof factory !== 'function') {
    throw new Error(`--host ${path}: expected a default export or a named export "createHost" (a function (context) => {host, policy?, close?})`);
  }
  return factory as CreateFuzzHost;
}
