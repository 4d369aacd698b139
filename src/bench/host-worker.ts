/**
 * Worker-thread host for the cross-thread figures: the page (main thread)
 * talks to it over a MessagePort or a loopback WebSocket, like a webview
 * talking to its host. Serves capwire and the hand-rolled JSON bridge, and
 * the Chromium bench page over HTTP.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type WebSocket, WebSocketServer } from 'ws';
import { MessagePortTransport } from '../transport/message-port.js';
import { serveJsonBridge, textPort, textWebSocket } from './bridges.js';
import { browserBundlePath, PAGE_HTML, PAGE_SCRIPT } from './browser.js';
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

/** One loopback HTTP server: the Chromium bench page and its client bundle, and WebSocket upgrades (/capwire binary, /json text). */
function startServer(): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: (options.maxFrameBytes ?? 16 * 1024 * 1024) * 2 });
  const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' };
  const server = createServer((request, response) => {
    const send = (type: string, body: string | Buffer) => response.writeHead(200, { 'content-type': type, ...isolation }).end(body);
    if (request.url === '/bench.html') return send('text/html; charset=utf-8', PAGE_HTML);
    if (request.url === '/bench-page.js') return send('text/javascript; charset=utf-8', PAGE_SCRIPT);
    if (request.url === '/capwire.js' && existsSync(browserBundlePath())) return send('text/javascript; charset=utf-8', readFileSync(browserBundlePath()));
    response.writeHead(404).end();
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      if (request.url === '/capwire') host.accept(acceptWebSocket(ws), { origin: BENCH_ORIGIN });
      // The floor: a bare WebSocket echo, no protocol at all.
      else if (request.url === '/echo') ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
      else serveJsonBridge(textWebSocket(ws));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    parent.postMessage({ kind: 'ws', port: typeof address === 'object' && address !== null ? address.port : 0 } satisfies WorkerReply);
  });
  return wss;
}
