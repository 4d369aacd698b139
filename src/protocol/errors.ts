/**
 * The stable error codes of capwire and the one error class that carries them.
 * The numbering matches `capwire.v1.ErrorCode` in proto/capwire/v1/envelope.proto
 * and the C++ core; a test checks the three agree.
 */
export const ERROR_CODES = [
  'OK',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'INVALID_ARGUMENT',
  'UNKNOWN_METHOD',
  'UNSUPPORTED_VERSION',
  'MALFORMED_MESSAGE',
  'PAYLOAD_TOO_LARGE',
  'TIMEOUT',
  'CANCELLED',
  'RESOURCE_EXHAUSTED',
  'IO_ERROR',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
/** Every code an error may carry (OK is implicit in success). */
export type FailureCode = Exclude<ErrorCode, 'OK'>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function errorCodeNumber(code: ErrorCode): number {
  return ERROR_CODES.indexOf(code);
}

/** Maps a wire number to a code; numbers outside the enum are INTERNAL. */
export function errorCodeFromNumber(value: number): FailureCode {
  const code = ERROR_CODES[value];
  return code === undefined || code === 'OK' ? 'INTERNAL' : code;
}

/** An error with a stable `code`. Everything capwire rejects with is one. */
export class CapwireError extends Error {
  override readonly name = 'CapwireError';
  readonly code: FailureCode;
  readonly details: Readonly<Record<string, string>>;

  constructor(code: FailureCode, message: string, details: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: FailureCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Wraps anything thrown into a CapwireError; unknown throws become INTERNAL. */
export function toCapwireError(error: unknown, context: string): CapwireError {
  if (error instanceof CapwireError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CapwireError('INTERNAL', `${context}: ${reason}`);
}
