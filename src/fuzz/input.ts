/** What one fuzz input is: sessions (by origin) and the frames sent on them, in order. */
export interface FuzzStep {
  /** Index into FuzzInput.origins. */
  readonly session: number;
  /** A frame to send, or absent for "let the event loop turn" (interleaves replies). */
  readonly frame?: Uint8Array;
}

export interface FuzzInput {
  /** One session per entry, accepted for this origin. */
  readonly origins: readonly string[];
  /** Sessions whose valid Hello the runner sends first (and whose calls are accounted). */
  readonly handshake: readonly boolean[];
  readonly steps: readonly FuzzStep[];
}

export interface SerializedInput {
  origins: string[];
  handshake: boolean[];
  steps: ({ session: number; frame: string } | { session: number; wait: true })[];
}

export function serializeInput(input: FuzzInput): SerializedInput {
  return {
    origins: [...input.origins],
    handshake: [...input.handshake],
    steps: input.steps.map((step) =>
      step.frame ? { session: step.session, frame: Buffer.from(step.frame).toString('base64') } : { session: step.session, wait: true as const },
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
    steps: value.steps.map((step) => {
      const session = Number(step.session);
      if (!Number.isInteger(session) || session < 0 || session >= origins.length) throw new Error(`fuzz input: step session ${String(step.session)} out of range`);
      return 'frame' in step ? { session, frame: new Uint8Array(Buffer.from(String(step.frame), 'base64')) } : { session };
    }),
  };
}
