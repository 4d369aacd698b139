/** Protocol version negotiation: the host picks the highest version both sides speak. */
import { CapwireError } from './errors.js';

export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];
export const MAX_OFFERED_VERSIONS = 16;

/** Returns the highest common version or throws UNSUPPORTED_VERSION naming both lists. */
export function negotiateVersion(offered: readonly number[], supported: readonly number[] = SUPPORTED_PROTOCOL_VERSIONS): number {
  if (offered.length > MAX_OFFERED_VERSIONS) {
    throw new CapwireError('INVALID_ARGUMENT', `hello: ${offered.length} protocol versions offered, at most ${MAX_OFFERED_VERSIONS} allowed`);
  }
  let best = -1;
  for (const version of offered) if (supported.includes(version) && version > best) best = version;
  if (best < 0) {
    const theirs = offered.length ? offered.join(', ') : 'none';
    throw new CapwireError(
      'UNSUPPORTED_VERSION',
      `hello: no common protocol version (client offers ${theirs}; host supports ${supported.join(', ')})`,
      { supported: supported.join(','), offered: offered.join(',') },
    );
  }
  return best;
}

/** Major version of a semver string ("2.1.0" -> 2); NaN when it is not semver. */
export function majorOf(version: string): number {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(version);
  return match ? Number(match[1]) : Number.NaN;
}
