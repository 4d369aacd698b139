/**
 * `capwire call --policy FILE --batch FILE|-`: each JSON line
 * {"origin", "method", "params"} goes through the real path (client -> binary
 * frames over an in-process transport -> host -> native checks -> OS); one
 * JSON line out per line in, same order. One session per distinct origin.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createPolicyHost } from '../host/create.js';
import { InProcessClients } from '../host/in-process.js';
import { loadPolicyFile } from '../policy/policy.js';
import { CapwireError, toCapwireError } from '../protocol/errors.js';
import { UsageError } from './io.js';

export const CALL_HELP = `usage: capwire call --policy FILE --batch FILE|-

Reads one request per line:  {"origin": "app://main", "method": "fs.readFile", "params": {"path": "/abs/file"}}
Writes one line per request: {"ok": true, "result": {...}}
                         or  {"ok": false, "error": {"code": "PERMISSION_DENIED", "message": "..."}}
"origin" is required (there is no default). Exit 0 when every line was answered.`;

const LINE_KEYS = new Set(['origin', 'method', 'params']);

interface BatchLine {
  origin: string;
  method: string;
  params: object;
}

function parseLine(text: string): BatchLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CapwireError('MALFORMED_MESSAGE', `input line is not JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CapwireError('INVALID_ARGUMENT', 'input line must be a JSON object {"origin", "method", "params"}');
  }
  const line = json as Record<string, unknown>;
  for (const key of Object.keys(line)) {
    if (!LINE_KEYS.has(key)) throw new CapwireError('INVALID_ARGUMENT', `input line: unknown key ${JSON.stringify(key)} (expected origin, method, params)`);
  }
  if (typeof line['origin'] !== 'string' || line['origin'].length === 0) {
    throw new CapwireError('INVALID_ARGUMENT', 'input line: "origin" is required and must be a non-empty string (there is no default origin)');
  }
  if (typeof line['method'] !== 'string' || line['method'].length === 0) {
    throw new CapwireError('INVALID_ARGUMENT', 'input line: "method" is required and must be a string like "fs.readFile"');
  }
  const params = line['params'] ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new CapwireError('INVALID_ARGUMENT', 'input line: "params" must be a JSON object');
  }
  return { origin: line['origin'], method: line['method'], params };
}

export async function callCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args, options: { policy: { type: 'string' }, batch: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    stdout.write(`${CALL_HELP}\n`);
    return 0;
  }
  if (!values.policy) throw new UsageError('call: --policy FILE is required (see capwire call --help)');
  if (!values.batch) throw new UsageError('call: --batch FILE|- is required (see capwire call --help)');
  const policy = loadPolicyFile(values.policy);
  const input = values.batch === '-' ? process.stdin : createReadStream(values.batch);
  const opened = new Promise<void>((resolve, reject) => {
    if (values.batch === '-') resolve();
    else input.once('open', () => resolve()).once('error', (error: NodeJS.ErrnoException) => reject(new UsageError(`call: cannot read ${values.batch} (${error.code ?? error.message})`)));
  });
  await opened;
  const bridge = createPolicyHost({ policy });
  const clients = new InProcessClients(bridge.host);
  try {
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      let answer: object;
      try {
        const line = parseLine(text);
        const client = await clients.clientFor(line.origin);
        answer = { ok: true, result: await client.call(line.method, line.params) };
      } catch (error) {
        const failure = toCapwireError(error, 'call');
        answer = { ok: false, error: { code: failure.code, message: failure.message } };
      }
      stdout.write(`${JSON.stringify(answer)}\n`);
    }
  } finally {
    await clients.closeAll();
    bridge.close();
  }
  return 0;
}
