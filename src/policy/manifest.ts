/**
 * The policy manifest as authored (JSON), validated with zod. Unknown keys are
 * errors, `origins` is required, and each capability carries exactly the scope
 * kind it needs. See DESIGN.md "Policy manifest".
 */
import { z } from 'zod';

/** Scope key each built-in capability requires; other capabilities take none. */
export const SCOPE_KEY_BY_CAPABILITY: Readonly<Record<string, ScopeKey>> = {
  'fs.read': 'paths',
  'fs.write': 'paths',
  'env.read': 'names',
  'process.spawn': 'programs',
  'net.connect': 'hosts',
};
export const SCOPE_KEYS = ['paths', 'names', 'programs', 'hosts'] as const;
export type ScopeKey = (typeof SCOPE_KEYS)[number];

const CAPABILITY = /^[a-z][a-zA-Z0-9_]*(\.[a-z][a-zA-Z0-9_]*)+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_PORT = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):([1-9]\d{0,4})$/;

/** An origin in canonical form (lower-case scheme and host, no path, no trailing slash), or "*". */
export function canonicalOriginProblem(origin: string): string | undefined {
  if (origin === '*') return undefined;
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]+)$/i.exec(origin);
  if (!match) return 'expected an origin like "app://main" or "http://127.0.0.1:5178" (scheme://host[:port], no path or trailing slash), or "*"';
  if (origin !== origin.toLowerCase()) return `origins are compared exactly; write it in lower case (${JSON.stringify(origin.toLowerCase())})`;
  return undefined;
}

const Origin = z.string().superRefine((origin, ctx) => {
  const problem = canonicalOriginProblem(origin);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const noNul = (value: string) => !value.includes('\0');

const Rule = z
  .strictObject({
    capability: z.string().regex(CAPABILITY, 'expected a capability name like "fs.read" or "notes.write"'),
    origins: z.array(Origin).min(1, 'list at least one origin (write "*" for every origin)'),
    paths: z.array(z.string().min(1).refine(noNul, 'paths may not contain NUL bytes')).min(1).optional(),
    names: z.array(z.string().regex(ENV_NAME, 'expected an environment variable name')).min(1).optional(),
    programs: z
      .array(z.string().startsWith('/', 'programs must be absolute paths (there is no PATH lookup)').refine(noNul, 'programs may not contain NUL bytes'))
      .min(1)
      .optional(),
    hosts: z.array(z.string().regex(HOST_PORT, 'expected "host:port", e.g. "127.0.0.1:8080"')).min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    const needed = SCOPE_KEY_BY_CAPABILITY[rule.capability];
    for (const key of SCOPE_KEYS) {
      const present = rule[key] !== undefined;
      if (key === needed && !present) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${rule.capability} needs "${key}" (what it may touch)` });
      } else if (key !== needed && present) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: needed ? `${rule.capability} takes "${needed}", not "${key}"` : `${rule.capability} takes no scope; remove "${key}"`,
        });
      }
    }
  });

export const ManifestSchema = z.strictObject({
  version: z.literal(1, 'expected 1 (the only manifest version)'),
  grants: z.array(Rule),
  deny: z.array(Rule).optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestRule = z.infer<typeof Rule>;

/** The manifest's JSON Schema (capwire schema prints it). */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ManifestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
