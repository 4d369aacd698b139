/**
 * `capwire demo`: a host and a page-side client in one process, talking binary
 * frames over a MessagePort, with a demo policy over a demo workspace. Prints
 * the negotiated handshake and a few allowed and denied calls.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import { Client } from '../client/client.js';
import { createPolicyHost } from '../host/create.js';
import { loadPolicyFile, parsePolicy, type Policy } from '../policy/policy.js';
import type { CapwireError } from '../protocol/errors.js';
import { MessagePortTransport } from '../transport/message-port.js';

export const DEMO_ORIGIN = 'app://demo';

/** Creates the workspace (if missing) and a policy granting the demo page its slice of it. */
export function demoPolicy(workspace: string, origin: string): Policy {
  mkdirSync(join(workspace, 'notes'), { recursive: true });
  mkdirSync(join(workspace, 'private'), { recursive: true });
  writeFileSync(join(workspace, 'notes', 'hello.txt'), 'Hello from the capwire demo workspace.\n');
  writeFileSync(join(workspace, 'private', 'secret.txt'), 'not for pages\n');
  return parsePolicy(
    {
      version: 1,
      grants: [
        { capability: 'fs.read', origins: [origin], paths: ['.'] },
        { capability: 'fs.write', origins: [origin], paths: ['notes'] },
        { capability: 'env.read', origins: [origin], names: ['LANG'] },
        { capability: 'os.info', origins: [origin] },
        { capability: 'process.spawn', origins: [origin], programs: ['/bin/echo'] },
        { capability: 'sys.ping', origins: [origin] },
      ],
      deny: [{ capability: 'fs.read', origins: ['*'], paths: ['private'] }],
    },
    workspace,
  );
}

export async function demoCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, policy: { type: 'string' } } });
  const workspace = resolve(values.workspace ?? '.demo-workspace');
  const policy = values.policy ? loadPolicyFile(values.policy) : demoPolicy(workspace, DEMO_ORIGIN);
  const say = (line: string) => stdout.write(`${line}\n`);

  const bridge = createPolicyHost({ policy });
  const { port1: pagePort, port2: hostPort } = new MessageChannel();
  bridge.host.accept(new MessagePortTransport(hostPort), { origin: DEMO_ORIGIN });
  const client = await Client.connect(new MessagePortTransport(pagePort));
  const { welcome } = client;
  say(`capwire demo: workspace ${workspace}`);
  say(`handshake: protocol v${welcome.protocolVersion}, origin ${welcome.origin}`);
  say(`  services: ${welcome.services.map((s) => `${s.name}@${s.version}`).join(', ')}`);
  say(`  granted:  ${welcome.capabilities.join(', ')}`);

  const calls: [string, object][] = [
    ['fs.readFile', { path: join(workspace, 'notes/hello.txt') }],
    ['fs.writeFile', { path: join(workspace, 'notes/from-demo.txt'), data: Buffer.from('written by the demo\n').toString('base64') }],
    ['fs.readDir', { path: join(workspace, 'notes') }],
    ['process.spawn', { program: '/bin/echo', args: ['hello', 'from', 'echo'] }],
    ['os.info', {}],
    ['fs.readFile', { path: join(workspace, 'private/secret.txt') }],
    ['fs.readFile', { path: join(workspace, 'notes/../../../etc/passwd') }],
    ['env.get', { name: 'HOME' }],
    ['process.spawn', { program: '/bin/sh', args: ['-c', 'id'] }],
  ];
  for (const [method, params] of calls) {
    const started = performance.now();
    try {
      const result = await client.call(method, params);
      say(`ok      ${method} ${(performance.now() - started).toFixed(2)} ms -> ${JSON.stringify(result).slice(0, 160)}`);
    } catch (error) {
      const failure = error as CapwireError;
      say(`denied  ${method} -> ${failure.code}: ${failure.message}`);
    }
  }
  client.close();
  bridge.close();
  return 0;
}
