/** Runs `capwire demo` as a real child process (the compiled CLI) and reads its one line. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO, 'bin/capwire.js');

export interface DemoProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly origin: string;
  readonly workspace: string;
  stdout(): string;
  stderr(): string;
  /** SIGINT, then the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function startDemo(extraArgs: string[] = [], workspace = tempDir('capwire-demo-ws-')): Promise<DemoProcess> {
  const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--workspace', workspace, ...extraArgs], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('demo printed no URL within 20 s')), 20_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\nstdout: ${out}\nstderr: ${err}`));
    };
    child.on('exit', (code) => fail(new Error(`demo exited early with ${code}`)));
    child.stdout!.on('data', () => {
      const match = /^capwire demo: (http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]+))\n/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[2]);
      resolve({
        child, url: match[1]!, port, token: match[3]!, origin: `http://127.0.0.1:${port}`, workspace,
        stdout: () => out,
        stderr: () => err,
        async stop() {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGINT');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    });
  });
}

export interface UpgradeOutcome {
  readonly status: number;
  readonly protocol?: string | undefined;
  readonly body: string;
}

/** Sends a raw WebSocket upgrade request with exactly these headers; reports the status line. */
export function tryUpgrade(port: number, headers: Record<string, string>, path = '/capwire'): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
      setHost: false,
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, protocol: response.headers['sec-websocket-protocol'], body: '' });
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
