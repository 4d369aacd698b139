/**
 * `capwire demo`: the demo host. Serves the demo page and its WebSocket on
 * 127.0.0.1, prints one line with the URL (token in the fragment), and runs
 * until SIGINT/SIGTERM, then closes sessions, server and engine.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_PORT, startDemoServer } from '../demo/server.js';
import { UsageError } from './io.js';

const HELP = `usage: capwire demo [--port N] [--workspace DIR] [--policy FILE] [--verbose]

  --port N          port on 127.0.0.1 (default ${DEFAULT_DEMO_PORT}; 0 picks a free one)
  --workspace DIR   the page's workspace, created if missing (default ./.demo-workspace)
  --policy FILE     a policy manifest instead of the built-in demo policy
  --verbose         log sessions, refused upgrades and denied calls on stderr`;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_DEMO_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port: expected 0..65535, got ${JSON.stringify(text)}`);
  return port;
}

export async function demoCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        workspace: { type: 'string' },
        policy: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (run capwire demo --help)`);
  }
  if (values.help) {
    stdout.write(`${HELP}\n`);
    return 0;
  }
  const server = await startDemoServer({
    port: parsePort(values.port),
    workspace: values.workspace ?? '.demo-workspace',
    policyFile: values.policy,
    ...(values.verbose ? { log: (line: string) => process.stderr.write(`capwire demo: ${line}\n`) } : {}),
  });
  stdout.write(`capwire demo: ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
