/** What a service implementation looks like to the host. */
import type { Message } from '../protocol/codec/message.js';
import type { ServiceDescriptor } from '../protocol/services.js';

export interface CallContext {
  /** The session's origin, as given by the platform that accepted the transport. */
  readonly origin: string;
  /** The method being called ("fs.readFile"). */
  readonly method: string;
  /** Aborted on cancel, deadline or session close; long work should watch it. */
  readonly signal: AbortSignal;
}

/**
 * Receives the decoded request message and returns the response message; for
 * a server-streaming method, an async iterable of response messages, which the
 * host pulls only as fast as the page grants credit.
 */
export type Handler = (request: Message, context: CallContext) => Message | Promise<Message> | AsyncIterable<Message>;

/** A service descriptor plus a handler for each of its methods, keyed by call name. */
export interface ServiceImplementation {
  readonly descriptor: ServiceDescriptor;
  readonly handlers: Readonly<Record<string, Handler>>;
  /**
   * True when every handler's native operation checks the capability together
   * with its scope (path, name, program, host) itself; the host then skips its
   * unscoped pre-check, which could not see the scope.
   */
  readonly nativeScopedChecks?: boolean;
}
