/** What one fuzz input is: sessions (by origin) and the frames sent on them, in order. */
export interface FuzzStep {
  /** Index into FuzzInput.origins. */
  readonly session: number;
  /** A frame to send, or absent for "let the event loop turn" (interleaves replies). */
  readonly frame?: Uint8Array;
  /** Raw text put on a string-channel session (garbage base64, huge strings). */
  readonly text?: string;
}

/** How a session's frames travel: bytes as-is, or base64 strings (WKWebView/WebView2 channels). */
export type FuzzTransport = 'memory' | 'string';

export interface FuzzInput {
  /** One session per entry, accepted for this origin. */
  readonly origins: readonly string[];
  /** Sessions whose valid Hello the runner sends first (and whose calls are accounted). */
  readonly handshake: readonly boolean[];
  readonly steps: readonly FuzzStep[];
  /** Per session; memory when absent. */
  readonly transports?: readonly FuzzTransport[];
}

export interface SerializedInput {
  origins: string[];
  handshake: boolean[];
  transports?: FuzzTransport[];
  steps: ({ session: number; frame: string } | { session: number; text: string } | { session: number; wait: true })[];
}

export function serializeInput(input: FuzzInput): SerializedInput {
  return {
    origins: [...input.origins],
    handshake: [...input.handshake],
    ...(input.transports ? { transports: [...input.transports] } : {}),
    steps: input.steps.map((step) =>
      step.frame
        ? { session: step.session, frame: Buffer.from(step.frame).toString('base64') }
        : step.text !== undefined
          ? { session: step.session, text: step.text }
          : { session: step.session, wait: true as const },
    ),
  };
}

export function deserializeInput(json: unknown): FuzzInput {
  const value = json as SerializedInput;
  if (!value || !Array.isArray(value.origins) || !Array.isArray(value.steps)) throw new Error('fuzz input: expected {origins, handshake, steps}');
  const origins = value.origins.map(String);
  return {
    origins,
    handshake: Array.isArray(value.handshake) ? value.handshake.map(Boolean) : origins.map(() => true),
    ...(Array.isArray(value.transports) ? { transports: value.transports.map((t) => (t === 'string' ? 'string' : 'memory')) } : {}),
    steps: value.steps.map((step) => {
      const session = Number(step.session);
      if (!Number.isInteger(session) || session < 0 || session >= origins.length) throw new Error(`fuzz input: step session ${String(step.session)} out of range`);
      if ('frame' in step) return { session, frame: new Uint8Array(Buffer.from(String(step.frame), 'base64')) };
      return 'text' in step ? { session, text: String(step.text) } : { session };
    }),
  };
}
