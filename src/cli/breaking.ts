/**
 * capwire breaking --against OLD_DIR NEW_DIR : exit 0 when NEW is wire- and
 * JSON-compatible with OLD, 1 with one `file:line:col: RULE: message` line per
 * break, 2 when a proto does not parse.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { checkBreaking, type Side } from '../breaking/check.js';
import { loadSide } from '../breaking/load.js';
import { describeFailure, UsageError } from './io.js';

const USAGE = `usage: capwire breaking --against OLD_DIR NEW_DIR

Compares the .proto files under NEW_DIR with those under OLD_DIR. Exit 0 when
NEW is wire- and JSON-compatible with OLD; exit 1 listing each break as
"file:line:col: RULE: message" (rules as buf breaking's WIRE_JSON category,
plus SERVICE_NO_DELETE, RPC_NO_DELETE and CAPABILITY_CHANGED); exit 2 when a
proto does not parse (or a directory is missing).`;

export async function breakingCommand(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    return run(args, stdout, stderr);
  } catch (error) {
    // Exit 1 means "breaks found"; a command that could not compare exits 2.
    stderr.write(`capwire breaking: ${describeFailure(error)}\n`);
    return 2;
  }
}

function run(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  let against: string | undefined;
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      stdout.write(`${USAGE}\n`);
      return 0;
    } else if (arg === '--against') {
      against = args[++i];
      if (against === undefined) throw new UsageError('--against needs the OLD directory');
    } else if (arg.startsWith('--against=')) {
      against = arg.slice('--against='.length);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg} (run capwire breaking --help)`);
    } else {
      dirs.push(arg);
    }
  }
  if (against === undefined || dirs.length !== 1) throw new UsageError('usage: capwire breaking --against OLD_DIR NEW_DIR');
  for (const dir of [against, dirs[0]!]) if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const sides: Side[] = [];
  for (const dir of [against, dirs[0]!]) {
    try {
      sides.push(loadSide(dir));
    } catch (error) {
      // Name files relative to the given directory, as the break lines do.
      const message = describeFailure(error).split(`${resolve(dir)}${sep}`).join('');
      stderr.write(`capwire breaking: ${dir}: ${message}\n`);
      return 2;
    }
  }
  const breaks = checkBreaking(sides[0]!, sides[1]!);
  for (const b of breaks) stdout.write(`${b.path}:${b.line}:${b.col}: ${b.rule}: ${b.message}\n`);
  return breaks.length > 0 ? 1 : 0;
}
