/**
 * The host: owns a policy authority, a dispatch table and the live sessions.
 * The platform that accepts a connection (webview, WebSocket server, worker)
 * calls `accept(transport, { origin })`; the origin is never read from a message.
 */
import { CapwireError } from '../protocol/errors.js';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from '../protocol/limits.js';
import type { ServiceDescriptor } from '../protocol/services.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../protocol/version.js';
import type { Transport } from '../transport/transport.js';
import type { Authority } from './authority.js';
import type { ServiceImplementation } from './handlers.js';
import { type AuditEvent, type DispatchEntry, Session, type SessionHost } from './session.js';

export interface HostOptions {
  /** Decides capability checks; normally the native engine over a loaded policy. */
  readonly authority: Authority;
  readonly services: readonly ServiceImplementation[];
  readonly limits?: Partial<SessionLimits>;
  /** Every call's outcome, every protocol error and every closed session. */
  readonly onAudit?: (event: AuditEvent) => void;
}

export class Host {
  private readonly sessionHost: SessionHost;
  private readonly sessions = new Set<Session>();

  constructor(options: HostOptions) {
    const dispatch = new Map<string, DispatchEntry>();
    for (const implementation of options.services) {
      for (const method of implementation.descriptor.methods) {
        const handler = implementation.handlers[method.name];
        if (!handler) throw new CapwireError('INVALID_ARGUMENT', `${method.name}: service ${implementation.descriptor.name} has no handler for it`);
        if (dispatch.has(method.name)) throw new CapwireError('INVALID_ARGUMENT', `${method.name}: registered twice`);
        dispatch.set(method.name, { method, handler, nativeScopedCheck: implementation.nativeScopedChecks === true });
      }
    }
    const onAudit = options.onAudit;
    const sessions = this.sessions;
    this.sessionHost = {
      authority: options.authority,
      limits: { ...DEFAULT_SESSION_LIMITS, ...options.limits },
      services: options.services.map((implementation): ServiceDescriptor => implementation.descriptor),
      dispatch,
      supportedVersions: SUPPORTED_PROTOCOL_VERSIONS,
      audit: (event) => {
        try {
          onAudit?.(event);
        } catch {
          // An audit sink that throws must not take a session down.
        }
      },
      sessionClosed: (session) => sessions.delete(session),
    };
  }

  get limits(): SessionLimits {
    return this.sessionHost.limits;
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** Starts a session on a transport the platform accepted for `origin`. */
  accept(transport: Transport, platform: { readonly origin: string }): Session {
    if (typeof platform.origin !== 'string' || platform.origin.length === 0) {
      throw new CapwireError('INVALID_ARGUMENT', 'accept: the platform must supply the origin of the connection');
    }
    const session = new Session(transport, platform.origin, this.sessionHost);
    if (session.open) this.sessions.add(session);
    return session;
  }

  /** Closes every session. */
  close(reason = 'host closing'): void {
    for (const session of [...this.sessions]) session.close(reason);
  }
}
