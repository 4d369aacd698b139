/**
 * The reference policy model: a slow, simple evaluator used only as a test
 * oracle, never for decisions. It reads the resolved rules directly (no index)
 * and resolves filesystem paths itself, one lstat per component, refusing
 * anything whose real location leaves the grant root. Its verdicts follow the
 * engine's documented semantics (native/README.md "Decisions", "Race-free path
 * resolution"): deny beats grant, "*" matches every origin, the deepest grant
 * root is the one resolved beneath, absolute symlink targets and any `..` above
 * the root are refused, at most 40 links.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import type { PolicyRule } from '../native/policy-blob.js';
import type { Policy } from '../policy/policy.js';

/** allow: may succeed; deny: must not succeed; absent: cannot succeed (missing, not a dir); invalid: bad request. */
export type RefVerdict = 'allow' | 'deny' | 'absent' | 'invalid';

export interface RefDecision {
  readonly verdict: RefVerdict;
  readonly reason: string;
}

const MAX_LINKS = 40;
const MAX_PATH_BYTES = 4096;

/** Lexical normalization of an absolute request path; undefined when invalid. */
export function normalizeRequestPath(raw: string): { components: string[]; trailingSlash: boolean } | undefined {
  if (raw.length === 0 || raw[0] !== '/' || raw.includes('\0') || Buffer.byteLength(raw) > MAX_PATH_BYTES) return undefined;
  const components: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') components.pop();
    else components.push(part);
  }
  const trailingSlash = raw.length > 1 && raw.endsWith('/');
  return { components, trailingSlash };
}

function splitAbsolute(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((part, i) => path[i] === part);
}

const decided = (verdict: RefVerdict, reason: string): RefDecision => ({ verdict, reason });

export class ReferenceModel {
  readonly rules: readonly PolicyRule[];

  constructor(policy: Policy | readonly PolicyRule[]) {
    this.rules = 'rules' in policy ? policy.rules : policy;
  }

  private matching(origin: string, capability: string, effect: PolicyRule['effect']): PolicyRule[] {
    return this.rules.filter((rule) => rule.effect === effect && rule.capability === capability && (rule.origin === origin || rule.origin === '*'));
  }

  /** Capabilities without scope (os.info, custom ones). */
  decideNone(origin: string, capability: string): RefDecision {
    if (this.matching(origin, capability, 'deny').length > 0) return decided('deny', `a deny rule for ${capability}`);
    if (this.matching(origin, capability, 'grant').length > 0) return decided('allow', `granted ${capability}`);
    return decided('deny', `no grant of ${capability} for ${origin}`);
  }

  /** Exact-value scopes: env names, programs, host:port. */
  decideValue(origin: string, capability: string, value: string): RefDecision {
    if (value.length === 0 || value.includes('\0')) return decided('invalid', 'empty or NUL scope');
    if (this.matching(origin, capability, 'deny').some((rule) => rule.scopeValue === value)) return decided('deny', `deny rule for ${value}`);
    if (this.matching(origin, capability, 'grant').some((rule) => rule.scopeValue === value)) return decided('allow', `granted ${value}`);
    return decided('deny', `${value} is not granted to ${origin}`);
  }

  /**
   * Lexical path decision (what engine.check answers): deny if a deny root
   * prefixes the path; allow if a usable grant root does. Returns the grant root.
   */
  decidePathLexical(origin: string, capability: string, raw: string): RefDecision & { root?: string[] } {
    const path = normalizeRequestPath(raw);
    if (!path) return decided('invalid', 'not an absolute, NUL-free path of at most 4096 bytes');
    for (const rule of this.matching(origin, capability, 'deny')) {
      if (isPrefix(splitAbsolute(rule.scopeValue), path.components)) return decided('deny', `deny rule ${rule.scopeValue}`);
    }
    let best: string[] | undefined;
    for (const rule of this.matching(origin, capability, 'grant')) {
      const root = splitAbsolute(rule.scopeValue);
      if (!isPrefix(root, path.components) || !isDirectory(rule.scopeValue)) continue;
      if (!best || root.length > best.length) best = root;
    }
    if (!best) return decided('deny', `no ${capability} grant covers ${raw} for ${origin}`);
    return { ...decided('allow', `beneath /${best.join('/')}`), root: best };
  }

  /**
   * Full decision for a filesystem operation, walking the real tree.
   * `entry`: the operation creates/replaces/removes the final name (writes),
   * so only the parent is resolved and the final name is never followed.
   */
  decideFs(origin: string, capability: string, raw: string, mode: 'object' | 'entry'): RefDecision {
    const lexical = this.decidePathLexical(origin, capability, raw);
    if (lexical.verdict !== 'allow' || !lexical.root) return lexical;
    const path = normalizeRequestPath(raw)!;
    const root = lexical.root;
    const below = path.components.slice(root.length);
    if (mode === 'entry' && below.length === 0) return decided('deny', 'the grant root itself cannot be replaced or removed');
    const walkParts = mode === 'entry' ? below.slice(0, -1) : below;
    const rootReal = realOf(`/${root.join('/')}`);
    if (!rootReal) return decided('absent', 'grant root vanished');
    const walked = walkBeneath(rootReal, walkParts, mode === 'entry' || path.trailingSlash);
    if (walked.verdict !== 'allow') return walked;
    const real = mode === 'entry' ? [...walked.real, below[below.length - 1]!] : walked.real;
    for (const rule of this.matching(origin, capability, 'deny')) {
      const denyReal = realOf(rule.scopeValue);
      if (denyReal && isPrefix(denyReal, real)) return decided('deny', `resolves into the denied ${rule.scopeValue}`);
    }
    return decided('allow', `resolves to /${real.join('/')}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realOf(path: string): string[] | undefined {
  try {
    return splitAbsolute(realpathSync(path));
  } catch {
    return undefined;
  }
}

/**
 * Resolves `parts` beneath the real directory `rootReal`, following every
 * symlink (the final one too), one lstat per component.
 */
function walkBeneath(rootReal: readonly string[], parts: readonly string[], mustBeDir: boolean): RefDecision & { real: string[] } {
  const stack: string[] = [];
  const queue = [...parts];
  let links = 0;
  const fail = (verdict: RefVerdict, reason: string) => ({ verdict, reason, real: [] });
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return fail('deny', "'..' leaves the grant root");
      stack.pop();
      continue;
    }
    const here = `/${[...rootReal, ...stack, part].join('/')}`;
    let st;
    try {
      st = lstatSync(here);
    } catch {
      return fail('absent', `${here} does not exist`);
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return fail('deny', 'too many symlinks');
      const target = readlinkSync(here);
      if (target.startsWith('/')) return fail('deny', `absolute symlink ${here} -> ${target}`);
      queue.unshift(...target.split('/'));
      continue;
    }
    if (queue.length > 0 && !st.isDirectory()) return fail('absent', `${here} is not a directory`);
    stack.push(part);
  }
  if (mustBeDir) {
    const here = `/${[...rootReal, ...stack].join('/')}`;
    if (!isDirectory(here)) return fail('absent', `${here} is not a directory`);
  }
  return { verdict: 'allow', reason: 'beneath the root', real: [...rootReal, ...stack] };
}
