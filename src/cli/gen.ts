/** capwire gen [--out DIR] PROTO_DIR... : parses flags, loads the protos, writes what generate() returns. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from '../codegen/generate.js';
import { loadProtoTree } from '../protocol/proto-loader.js';
import { parseCommandArgs, requireDirectories, UsageError } from './io.js';

const USAGE = `usage: capwire gen [--out DIR] PROTO_DIR...

Writes TypeScript bindings (typed client, host handler interface, service
registration helper, capability table) for every service in the .proto files
under PROTO_DIR (default --out: ./gen). Imports of capwire/v1/options.proto
resolve to the copy shipped with capwire.`;

export async function genCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values, positionals: dirs } = parseCommandArgs('gen', args, {
    out: { type: 'string', default: 'gen' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = values.out!;
  if (dirs.length === 0) throw new UsageError('name at least one PROTO_DIR (run capwire gen --help)');
  requireDirectories(dirs);
  const files = generate(loadProtoTree(dirs));
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    stdout.write(`${path}\n`);
  }
  return 0;
}
