/**
 * Authored -> validated -> resolved. A Policy is the sealed, resolved form: a
 * flat rule list (relative paths made absolute against the manifest's
 * directory, sorted, de-duplicated) plus the blob handed to the native engine.
 * Nothing here is global; each Host owns the Policy it was given.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { CapwireError } from '../protocol/errors.js';
import { type EngineLimits, encodePolicyBlob, type PolicyRule, scopeKindFor } from '../native/policy-blob.js';
import { type Manifest, ManifestSchema, type ManifestRule, SCOPE_KEY_BY_CAPABILITY } from './manifest.js';

export interface Policy {
  /** Directory relative paths were resolved against. */
  readonly baseDir: string;
  readonly rules: readonly PolicyRule[];
  readonly manifest: Manifest;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(root)';
}

/** One line per problem: "grants[0].paths: expected ...". */
export function formatManifestIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
}

function scopeValues(rule: ManifestRule, baseDir: string): string[] {
  const key = SCOPE_KEY_BY_CAPABILITY[rule.capability];
  if (!key) return [''];
  const values = rule[key] ?? [];
  // path.resolve normalizes "a/./b", "a//b" and trailing slashes lexically.
  return key === 'paths' ? values.map((path) => resolve(baseDir, path)) : key === 'programs' ? values.map((path) => resolve(path)) : values;
}

function compareRules(a: PolicyRule, b: PolicyRule): number {
  const keyA = `${a.effect}\0${a.origin}\0${a.capability}\0${a.scopeKind}\0${a.scopeValue}`;
  const keyB = `${b.effect}\0${b.origin}\0${b.capability}\0${b.scopeKind}\0${b.scopeValue}`;
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/** Flattens a validated manifest into sorted, de-duplicated rules. */
export function resolveManifest(manifest: Manifest, baseDir: string): PolicyRule[] {
  if (!isAbsolute(baseDir)) throw new CapwireError('INVALID_ARGUMENT', `policy: base directory must be absolute, got ${baseDir}`);
  const rules = new Map<string, PolicyRule>();
  const add = (effect: PolicyRule['effect'], rule: ManifestRule): void => {
    for (const origin of rule.origins) {
      for (const scopeValue of scopeValues(rule, baseDir)) {
        const resolved: PolicyRule = { effect, origin, capability: rule.capability, scopeKind: scopeKindFor(rule.capability), scopeValue };
        rules.set(JSON.stringify(resolved), resolved);
      }
    }
  };
  for (const rule of manifest.grants) add('grant', rule);
  for (const rule of manifest.deny ?? []) add('deny', rule);
  return [...rules.values()].sort(compareRules);
}

/** Validates manifest JSON (already parsed) and resolves it against baseDir. */
export function parsePolicy(json: unknown, baseDir: string): Policy {
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new CapwireError('INVALID_ARGUMENT', `policy: ${formatManifestIssues(parsed.error.issues)}`);
  const rules = resolveManifest(parsed.data, baseDir);
  return Object.freeze({ baseDir, rules: Object.freeze(rules.map((rule) => Object.freeze(rule))), manifest: parsed.data });
}

/** Reads, validates and resolves a manifest file (relative paths against its directory). */
export function loadPolicyFile(file: string): Policy {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CapwireError('NOT_FOUND', `policy: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CapwireError('INVALID_ARGUMENT', `policy: ${path} is not valid JSON (${(error as Error).message})`);
  }
  return parsePolicy(json, dirname(path));
}

/** The native hand-off: one compact, versioned blob. */
export function policyBlob(policy: Policy, limits?: Partial<EngineLimits>): Uint8Array {
  return encodePolicyBlob(policy.rules, limits);
}

/** Capabilities granted to an origin (by a rule for it or for "*"), for the Welcome. */
export function capabilitiesGranted(policy: Policy, origin: string): string[] {
  const granted = new Set<string>();
  for (const rule of policy.rules) {
    if (rule.effect === 'grant' && (rule.origin === origin || rule.origin === '*')) granted.add(rule.capability);
  }
  return [...granted].sort();
}
