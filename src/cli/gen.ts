/** capwire gen [--out DIR] PROTO_DIR... : parses flags, loads the protos, writes what generate() returns. */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from '../codegen/generate.js';
import { loadProtoTree } from '../protocol/proto-loader.js';
import { UsageError } from './io.js';

const USAGE = `usage: capwire gen [--out DIR] PROTO_DIR...

Writes TypeScript bindings (typed client, host handler interface, service
registration helper, capability table) for every service in the .proto files
under PROTO_DIR (default --out: ./gen). Imports of capwire/v1/options.proto
resolve to the copy shipped with capwire.`;

export async function genCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  let out = 'gen';
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      stdout.write(`${USAGE}\n`);
      return 0;
    } else if (arg === '--out') {
      const value = args[++i];
      if (value === undefined) throw new UsageError('--out needs a directory');
      out = value;
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg} (run capwire gen --help)`);
    } else {
      dirs.push(arg);
    }
  }
  if (dirs.length === 0) throw new UsageError('name at least one PROTO_DIR (run capwire gen --help)');
  for (const dir of dirs) if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const files = generate(loadProtoTree(dirs));
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    stdout.write(`${path}\n`);
  }
  return 0;
}
