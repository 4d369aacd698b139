/** Byte helpers shared by the framing code and the fuzzer's frame builders. */

/** One Uint8Array holding the parts one after another. */
export function concatBytes(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
