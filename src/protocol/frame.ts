/**
 * Frames: one Envelope per transport message. Encoding uses the pbjs static
 * module (fast and free of eval); decoding goes through the strict codec, after
 * the size limit is checked and before any other work.
 */
import { capwire } from '../generated/envelope.js';
import { concatBytes } from './bytes.js';
import { decodeMessage } from './codec/binary.js';
import { messageFromJson, messageToJson } from './codec/json.js';
import type { Message } from './codec/message.js';
import type { MessageInfo } from './codec/schema.js';
import { CapwireError } from './errors.js';
import { DEFAULT_FRAME_LIMITS, type FrameLimits } from './limits.js';
import { builtinSchemas } from './schemas.js';

export type Envelope = capwire.v1.Envelope.$Properties;
export const PROTOCOL_VERSION = 1;
export const ENVELOPE_TYPE = 'capwire.v1.Envelope';

let envelopeInfo: MessageInfo | undefined;
function envelopeDescriptor(): MessageInfo {
  envelopeInfo ??= builtinSchemas().message(ENVELOPE_TYPE);
  return envelopeInfo;
}

export function encodeFrame(envelope: Envelope): Uint8Array {
  return capwire.v1.Envelope.encode(envelope).finish();
}

/** Decodes one frame: PAYLOAD_TOO_LARGE before decoding, MALFORMED_MESSAGE on bad bytes. */
export function decodeFrame(bytes: Uint8Array, limits: FrameLimits = DEFAULT_FRAME_LIMITS): Envelope {
  if (bytes.byteLength > limits.maxFrameBytes) {
    throw new CapwireError(
      'PAYLOAD_TOO_LARGE',
      `frame: ${bytes.byteLength} bytes exceeds the limit of ${limits.maxFrameBytes} (raise maxFrameBytes or send less)`,
    );
  }
  return decodeMessage(envelopeDescriptor(), bytes, limits.maxDepth) as Envelope;
}

/** Strict proto3 JSON -> Envelope (INVALID_ARGUMENT on any deviation). */
export function envelopeFromJson(json: unknown): Envelope {
  return messageFromJson(envelopeDescriptor(), json) as Envelope;
}

export function envelopeToJson(envelope: Envelope): Record<string, unknown> {
  return messageToJson(envelopeDescriptor(), envelope as Message);
}

/** Which body an envelope carries, or undefined when it has none. */
export function bodyOf(envelope: Envelope): NonNullable<Envelope['body']> | undefined {
  for (const key of ['hello', 'welcome', 'request', 'response', 'streamChunk', 'cancel', 'error'] as const) {
    if (envelope[key] != null) return key;
  }
  return undefined;
}

// ---------- varint length-delimited streams (capwire wire --delimited) ----------

export function encodeDelimited(frames: readonly Uint8Array[]): Uint8Array {
  const parts: (Uint8Array | number[])[] = [];
  for (const frame of frames) {
    const prefix: number[] = [];
    let n = frame.byteLength;
    while (n > 0x7f) {
      prefix.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    prefix.push(n);
    parts.push(prefix, frame);
  }
  return concatBytes(parts);
}

/** Splits a varint-length-delimited stream into frames; MALFORMED_MESSAGE on truncation. */
export function splitDelimited(bytes: Uint8Array, limits: FrameLimits = DEFAULT_FRAME_LIMITS): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.byteLength) {
    let length = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.byteLength) throw new CapwireError('MALFORMED_MESSAGE', `delimited stream: truncated length prefix of frame ${frames.length + 1}`);
      if (shift > 28) throw new CapwireError('MALFORMED_MESSAGE', `delimited stream: length prefix of frame ${frames.length + 1} is too long`);
      const byte = bytes[pos++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    if (length > limits.maxFrameBytes) {
      throw new CapwireError('PAYLOAD_TOO_LARGE', `delimited stream: frame ${frames.length + 1} claims ${length} bytes, above the limit of ${limits.maxFrameBytes}`);
    }
    if (pos + length > bytes.byteLength) {
      throw new CapwireError('MALFORMED_MESSAGE', `delimited stream: frame ${frames.length + 1} claims ${length} bytes but only ${bytes.byteLength - pos} remain`);
    }
    frames.push(bytes.subarray(pos, pos + length));
    pos += length;
  }
  return frames;
}
