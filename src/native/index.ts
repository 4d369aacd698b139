export {
  type AuditRecord,
  type NativeCode,
  type NativeEngine,
  type NativeOutcome,
  type OpenEngineOptions,
  NATIVE_CODES,
  nativeAvailable,
  openat2Available,
  openEngine,
} from './binding.js';
export {
  type BlobOptions,
  type EngineLimits,
  type PolicyRule,
  type ScopeKind,
  DEFAULT_ENGINE_LIMITS,
  encodePolicyBlob,
  scopeKindFor,
} from './policy-blob.js';
