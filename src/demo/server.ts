/**
 * The demo host: one HTTP server on 127.0.0.1 serving the page and accepting
 * WebSocket upgrades at /capwire, each becoming a session of a policy host
 * (native engine + built-in services) for the origin the gate verified.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { UsageError } from '../cli/io.js';
import { createPolicyHost, type PolicyHost } from '../host/create.js';
import type { AuditEvent } from '../host/session.js';
import { WebSocketTransport } from '../transport/websocket.js';
import { checkUpgrade, hostAllowed, SUBPROTOCOL, WEBSOCKET_PATH } from './upgrade.js';
import { type DemoPolicy, defaultDemoPolicy, demoPolicyFromFile, prepareWorkspace } from './workspace.js';

export const DEFAULT_DEMO_PORT = 5178;
const LISTEN_HOST = '127.0.0.1';

export interface DemoServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly workspace: string;
  /** A policy manifest file; defaults to the built-in demo policy over the workspace. */
  readonly policyFile?: string | undefined;
  /** The compiled package's dist/ (page and browser bundle); defaults to the one this module is in. */
  readonly distDir?: string;
  /** One line per refused upgrade, opened/closed session and denied call. */
  readonly log?: (line: string) => void;
}

export interface DemoServer {
  /** What to open: http://127.0.0.1:PORT/#token=TOKEN */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly origin: string;
  readonly workspace: string;
  readonly bridge: PolicyHost;
  close(): Promise<void>;
}

/** Headers on every response: the page runs under a CSP without inline code or eval. */
export function securityHeaders(port: number): Record<string, string> {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

interface Asset {
  readonly type: string;
  readonly body: () => string | Buffer;
}

function assets(distDir: string, info: () => object): Map<string, Asset> {
  const file = (path: string) => () => readFileSync(path);
  const page = join(distDir, 'demo/page');
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: file(join(page, 'index.html')) }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: file(join(page, 'style.css')) }],
    ['/favicon.svg', { type: 'image/svg+xml', body: file(join(page, 'favicon.svg')) }],
    ['/favicon.ico', { type: 'image/svg+xml', body: file(join(page, 'favicon.svg')) }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: file(join(page, 'app.js')) }],
    ['/capwire.js', { type: 'text/javascript; charset=utf-8', body: file(join(distDir, 'browser/capwire.js')) }],
    // Data for the page as a module: the CSP lets the page fetch nothing but its WebSocket.
    ['/demo-info.js', { type: 'text/javascript; charset=utf-8', body: () => `export default ${JSON.stringify(info())};\n` }],
  ]);
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') reject(new UsageError(`port ${port} on ${LISTEN_HOST} is already in use (stop what runs there, or pass --port 0 for a free port)`));
      else if (error.code === 'EACCES') reject(new UsageError(`port ${port} on ${LISTEN_HOST}: permission denied (pick a port above 1023, or --port 0)`));
      else reject(error);
    };
    server.once('error', onError);
    server.listen(port, LISTEN_HOST, () => {
      server.off('error', onError);
      resolveListen((server.address() as AddressInfo).port);
    });
  });
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function describeAudit(event: AuditEvent): string | undefined {
  switch (event.kind) {
    case 'call':
      return event.code === 'OK' ? undefined : `${event.origin} ${event.method}: ${event.code} ${event.message ?? ''}`;
    case 'session-closed':
      return `session closed (${event.origin}): ${event.reason}`;
    case 'protocol-error':
      return `protocol error (${event.origin}): ${event.code} ${event.message}`;
  }
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const log = options.log ?? (() => {});
  const distDir = options.distDir ?? resolve(fileURLToPath(import.meta.url), '../..');
  const workspace = prepareWorkspace(options.workspace);
  const token = randomBytes(32).toString('hex');
  let demoPolicy: DemoPolicy | undefined;
  let bridge: PolicyHost | undefined;
  let port = options.port;
  let headers: Record<string, string> = {};

  const routes = assets(distDir, () => ({
    workspace,
    origin: `http://${LISTEN_HOST}:${port}`,
    policySource: demoPolicy?.source ?? '',
    policy: demoPolicy?.text ?? '',
  }));

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, type: string, body: string | Buffer): void => {
      response.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (!hostAllowed(request.headers.host, port)) return send(403, 'text/plain; charset=utf-8', 'unknown Host (this demo answers to 127.0.0.1 and localhost only)\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    const path = (request.url ?? '/').split('?')[0]!;
    const asset = routes.get(path);
    if (!asset) return send(404, 'text/plain; charset=utf-8', 'not found\n');
    let body: string | Buffer;
    try {
      body = asset.body();
    } catch {
      return send(500, 'text/plain; charset=utf-8', 'demo page not built (run npm run build)\n');
    }
    send(200, asset.type, body);
  });

  port = await listen(server, options.port);
  headers = securityHeaders(port);
  const origin = `http://${LISTEN_HOST}:${port}`;
  try {
    demoPolicy = options.policyFile ? demoPolicyFromFile(options.policyFile) : defaultDemoPolicy(workspace, origin);
    bridge = createPolicyHost({
      policy: demoPolicy.policy,
      onAudit: (event) => {
        const line = describeAudit(event);
        if (line) log(line);
      },
    });
  } catch (error) {
    await new Promise<void>((done) => server.close(() => done()));
    throw error;
  }
  const policyHost = bridge;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: policyHost.host.limits.maxFrameBytes,
    perMessageDeflate: false,
    // Answer with capwire.v1 only: the token protocol is never echoed back.
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    const verdict = checkUpgrade(path, request.headers, { port, token });
    if (!verdict.ok) {
      log(`refused upgrade (${verdict.status}): ${verdict.reason}`);
      refuseUpgrade(socket, verdict.status, verdict.reason);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      policyHost.host.accept(new WebSocketTransport(ws), { origin: verdict.origin });
      log(`session opened (${verdict.origin})`);
    });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      policyHost.host.close('demo host shutting down');
      // Give close frames a moment to leave, then cut whatever is left.
      const deadline = Date.now() + 500;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      policyHost.close();
    })();
    return closing;
  };

  return { url: `${origin}/#token=${token}`, port, token, origin, workspace, bridge: policyHost, close };
}

export { WEBSOCKET_PATH };
