/**
 * The question the host asks before running a method: may this origin use this
 * capability? The answer comes from the native engine (src/native), which
 * holds the sealed policy; scoped checks (paths, names, programs, hosts)
 * happen inside the native operations themselves.
 */
export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly message: string };

export interface Authority {
  /** Unscoped check: is `capability` granted to `origin` (and not denied)? */
  check(origin: string, capability: string): Decision;
  /** Capabilities granted to `origin`, sorted; listed in the Welcome. */
  capabilitiesFor(origin: string): string[];
}
