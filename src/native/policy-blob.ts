// Encodes a resolved policy (flat, sorted, de-duplicated rules) into the compact
// versioned blob the native core parses. Format: native/README.md ("Policy blob").

export type ScopeKind = 'none' | 'path' | 'name' | 'program' | 'host';

export interface PolicyRule {
  effect: 'grant' | 'deny';
  origin: string;
  capability: string;
  scopeKind: ScopeKind;
  /** '' when scopeKind is 'none' */
  scopeValue: string;
}

export interface EngineLimits {
  /** fs.readFile returning more than this -> PAYLOAD_TOO_LARGE (default 8 MiB) */
  maxReadBytes: number;
  /** cap for each of stdout and stderr of process.spawn (default 1 MiB) */
  maxSpawnOutputBytes: number;
  /** process.spawn timeout when the request has none (default 10000) */
  defaultSpawnTimeoutMs: number;
  /** fs.writeFile data (and appended result) above this -> PAYLOAD_TOO_LARGE (default 8 MiB) */
  maxWriteBytes: number;
}

export interface BlobOptions {
  /** Use the component-by-component fallback resolver instead of openat2 (for tests). */
  forceNoOpenat2?: boolean;
}

export const DEFAULT_ENGINE_LIMITS: Readonly<EngineLimits> = Object.freeze({
  maxReadBytes: 8 * 1024 * 1024,
  maxSpawnOutputBytes: 1024 * 1024,
  defaultSpawnTimeoutMs: 10_000,
  maxWriteBytes: 8 * 1024 * 1024,
});

export const POLICY_BLOB_MAGIC = 'CPWP';
export const POLICY_BLOB_VERSION = 1;
const FLAG_FORCE_NO_OPENAT2 = 1;

const EFFECTS = { grant: 0, deny: 1 } as const;
const SCOPE_KINDS: Record<ScopeKind, number> = { none: 0, path: 1, name: 2, program: 3, host: 4 };
const LIMIT_ORDER: readonly (keyof EngineLimits)[] = [
  'maxReadBytes',
  'maxSpawnOutputBytes',
  'defaultSpawnTimeoutMs',
  'maxWriteBytes',
];

/** Scope kind each capability takes; custom capabilities take none. */
export function scopeKindFor(capability: string): ScopeKind {
  switch (capability) {
    case 'fs.read':
    case 'fs.write':
      return 'path';
    case 'env.read':
      return 'name';
    case 'process.spawn':
      return 'program';
    case 'net.connect':
      return 'host';
    default:
      return 'none';
  }
}

function blobError(message: string): Error {
  return Object.assign(new Error(`encodePolicyBlob: ${message}`), { code: 'INVALID_ARGUMENT' });
}

export function encodePolicyBlob(
  rules: readonly PolicyRule[],
  limits?: Partial<EngineLimits>,
  options?: BlobOptions,
): Uint8Array {
  const merged: EngineLimits = { ...DEFAULT_ENGINE_LIMITS, ...limits };
  const enc = new TextEncoder();
  const encoded = rules.map((rule, i) => {
    const effect = EFFECTS[rule.effect];
    const kind = SCOPE_KINDS[rule.scopeKind];
    if (effect === undefined) throw blobError(`rule ${i}: effect must be "grant" or "deny"`);
    if (kind === undefined) throw blobError(`rule ${i}: unknown scope kind ${JSON.stringify(rule.scopeKind)}`);
    return {
      effect,
      kind,
      strings: [enc.encode(rule.origin), enc.encode(rule.capability), enc.encode(rule.scopeValue)],
    };
  });
  const headerBytes = 4 + 2 + 2 + 8 * LIMIT_ORDER.length + 4;
  let total = headerBytes;
  for (const r of encoded) total += 2 + r.strings.reduce((n, s) => n + 4 + s.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(enc.encode(POLICY_BLOB_MAGIC), 0);
  view.setUint16(4, POLICY_BLOB_VERSION, true);
  view.setUint16(6, options?.forceNoOpenat2 ? FLAG_FORCE_NO_OPENAT2 : 0, true);
  let off = 8;
  for (const key of LIMIT_ORDER) {
    const value = merged[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw blobError(`limit ${key} must be a positive integer`);
    view.setBigUint64(off, BigInt(value), true);
    off += 8;
  }
  view.setUint32(off, encoded.length, true);
  off += 4;
  for (const r of encoded) {
    out[off++] = r.effect;
    out[off++] = r.kind;
    for (const s of r.strings) {
      view.setUint32(off, s.length, true);
      off += 4;
      out.set(s, off);
      off += s.length;
    }
  }
  return out;
}
