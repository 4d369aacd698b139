/** Limits every session runs under unless the host configures others. */
export interface FrameLimits {
  /** Largest frame either side may send; larger frames are never decoded. */
  readonly maxFrameBytes: number;
  /** Deepest message nesting accepted while decoding. */
  readonly maxDepth: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Flow control for server streams: the host may send this many chunks before
 * the page grants more (StreamChunk.credit), so a slow page never makes the
 * host buffer without bound. Outstanding credit above MAX_STREAM_CREDIT is abuse.
 */
export const INITIAL_STREAM_CREDIT = 8;
export const MAX_STREAM_CREDIT = 1024;

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxDepth: 32,
};

export interface SessionLimits extends FrameLimits {
  /** Requests a session may have running at once. */
  readonly maxInFlight: number;
  /** Streams a session may have open at once. */
  readonly maxStreams: number;
  /** Malformed frames tolerated before the session is closed. */
  readonly maxMalformedFrames: number;
  /** Deadline for calls that do not set one, in milliseconds. */
  readonly defaultDeadlineMs: number;
  /** Milliseconds a client may take to send Hello. */
  readonly handshakeTimeoutMs: number;
  /**
   * Milliseconds without a frame from the page, while no call is in flight,
   * after which the session is closed; 0 disables it. capwire clients learn it
   * from the Welcome and send keep-alives, so only dead or silent peers hit it.
   */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  ...DEFAULT_FRAME_LIMITS,
  maxInFlight: 64,
  maxStreams: 16,
  maxMalformedFrames: 8,
  defaultDeadlineMs: 30_000,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
};
