/**
 * capwire breaking --against OLD_DIR NEW_DIR : exit 0 when NEW is wire- and
 * JSON-compatible with OLD, 1 with one `file:line:col: RULE: message` line per
 * break, 2 when a proto does not parse.
 */
import { resolve, sep } from 'node:path';
import { checkBreaking, type Side } from '../breaking/check.js';
import { loadSide } from '../breaking/load.js';
import { describeFailure, parseCommandArgs, requireDirectories, UsageError } from './io.js';

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
  const { values, positionals: dirs } = parseCommandArgs('breaking', args, {
    against: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  const against = values.against;
  if (against === undefined || dirs.length !== 1) throw new UsageError('usage: capwire breaking --against OLD_DIR NEW_DIR');
  requireDirectories([against, dirs[0]!]);
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
