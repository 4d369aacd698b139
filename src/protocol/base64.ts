/**
 * Strict base64 for bytes in proto3 JSON and for string-only transports.
 * Accepts the standard and URL-safe alphabets, with or without padding, and
 * nothing else (no whitespace, no stray characters). Works without Buffer, so
 * the browser build can use it.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

const ENCODE = Uint8Array.from(ALPHABET, (char) => char.charCodeAt(0));
// Base64 is ASCII, so any single-byte decoder turns the output bytes into the string at once
// (building it 4 characters at a time costs hundreds of ms per MiB in browsers).
const ascii = new TextDecoder('latin1');

export function encodeBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let i = 0;
  let o = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENCODE[n >> 18]!;
    out[o++] = ENCODE[(n >> 12) & 63]!;
    out[o++] = ENCODE[(n >> 6) & 63]!;
    out[o++] = ENCODE[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = ENCODE[n >> 18]!;
    out[o++] = ENCODE[(n >> 12) & 63]!;
    out[o++] = rest === 2 ? ENCODE[(n >> 6) & 63]! : 61; // '='
    out[o++] = 61;
  }
  return ascii.decode(out);
}

const sextet = (code: number): number => (code < 128 ? DECODE[code]! : -1);

/** Decodes base64; returns undefined when the text is not valid base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  let end = text.length;
  if (end % 4 === 0 && end > 0) {
    if (text.charCodeAt(end - 1) === 61) end--;
    if (text.charCodeAt(end - 1) === 61) end--;
  }
  const rest = end % 4;
  if (rest === 1) return undefined;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  const whole = end - rest;
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(text.charCodeAt(i));
    const b = sextet(text.charCodeAt(i + 1));
    const c = sextet(text.charCodeAt(i + 2));
    const d = sextet(text.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rest > 0) {
    const a = sextet(text.charCodeAt(whole));
    const b = sextet(text.charCodeAt(whole + 1));
    const c = rest === 3 ? sextet(text.charCodeAt(whole + 2)) : 0;
    if ((a | b | c) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6);
    // Leftover bits must be zero, or two spellings would decode to the same bytes.
    if ((n & (rest === 2 ? 0xffff : 0xff)) !== 0) return undefined;
    out[o++] = n >> 16;
    if (rest === 3) out[o++] = (n >> 8) & 0xff;
  }
  return out;
}
