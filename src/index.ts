/** capwire's public API. */
export { Client, type CallOptions, type ClientOptions, type ServiceVersion, type Welcome } from './client/client.js';
export { Host, type HostOptions } from './host/host.js';
export type { Authority, Decision } from './host/authority.js';
export type { CallContext, Handler, ServiceImplementation } from './host/handlers.js';
export type { AuditEvent, Session } from './host/session.js';
export { sysService } from './host/sys-service.js';
export { CapwireError, ERROR_CODES, type ErrorCode, type FailureCode } from './protocol/errors.js';
export { decodeFrame, encodeFrame, type Envelope, PROTOCOL_VERSION } from './protocol/frame.js';
export { DEFAULT_SESSION_LIMITS, type FrameLimits, type SessionLimits } from './protocol/limits.js';
export { describeServices, type MethodDescriptor, methodTable, type ServiceDescriptor } from './protocol/services.js';
export { SchemaSet } from './protocol/codec/schema.js';
export type { Message } from './protocol/codec/message.js';
export { createMemoryPair } from './transport/memory.js';
export { MessagePortTransport, type PortLike } from './transport/message-port.js';
export { createStringChannelPair, type StringChannel, StringTransport } from './transport/string-channel.js';
export { BaseTransport, type Transport, type TransportEvents } from './transport/transport.js';
