/**
 * The browser build of the client (bundled by scripts/build.mjs into
 * dist/browser/capwire.js, an ES module for pages and Web Workers). Only
 * page-side modules: no host, no policy, no native code, no Node built-ins.
 */
export { Client, type CallOptions, type ClientOptions, type ServiceVersion, type Welcome } from '../client/client.js';
export { CapwireError, ERROR_CODES, type ErrorCode, type FailureCode } from '../protocol/errors.js';
export { bodyOf, decodeFrame, encodeFrame, type Envelope, PROTOCOL_VERSION } from '../protocol/frame.js';
export { MessagePortTransport, type PortLike } from '../transport/message-port.js';
export { type StringChannel, StringTransport } from '../transport/string-channel.js';
export { BaseTransport, type Transport, type TransportEvents } from '../transport/transport.js';
export { type WebSocketConnectOptions, type WebSocketConstructor, type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from '../transport/websocket.js';
