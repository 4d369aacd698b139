/**
 * Worker-thread host for the cross-thread figures: the page (main thread)
 * talks to it over a MessagePort or a loopback WebSocket, like a webview
 * talking to its host. Serves capwire and the hand-rolled JSON bridge.
 */
import type { IncomingMessage } from 'node:http';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type WebSocket, WebSocketServer } from 'ws';
import { MessagePortTransport } from '../transport/message-port.js';
import { serveJsonBridge, textPort, textWebSocket } from './bridges.js';
import { BENCH_ORIGIN, benchHost, type BenchHostOptions } from './hosts.js';
import { acceptWebSocket } from './ws-transport.js';

export type WorkerCommand = { kind: 'capwire'; port: MessagePort } | { kind: 'json'; port: MessagePort } | { kind: 'ws' };
export type WorkerReply = { kind: 'ready' } | { kind: 'ws'; port: number };

const options = workerData as BenchHostOptions;
const { host } = benchHost(options);
const parent = parentPort!;
let server: WebSocketServer | undefined;

parent.on('message', (command: WorkerCommand) => {
  switch (command.kind) {
    case 'capwire':
      host.accept(new MessagePortTransport(command.port), { origin: BENCH_ORIGIN });
      break;
    case 'json':
      serveJsonBridge(textPort(command.port));
      break;
    case 'ws':
      server ??= startServer();
      break;
  }
});
parent.postMessage({ kind: 'ready' } satisfies WorkerReply);

function startServer(): WebSocketServer {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    maxPayload: (options.maxFrameBytes ?? 16 * 1024 * 1024) * 2,
  });
  wss.on('listening', () => {
    const address = wss.address();
    parent.postMessage({ kind: 'ws', port: typeof address === 'object' && address !== null ? address.port : 0 } satisfies WorkerReply);
  });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    if (request.url === '/capwire') host.accept(acceptWebSocket(socket), { origin: BENCH_ORIGIN });
    else serveJsonBridge(textWebSocket(socket));
  });
  return wss;
}
