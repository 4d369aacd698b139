/** capwire's command line: parses the command name and hands off to a module. */
import { describeFailure } from './io.js';
import { benchCommand } from './bench.js';
import { callCommand } from './call.js';
import { demoCommand } from './demo.js';
import { fuzzCommand } from './fuzz.js';
import { breakingCommand } from './breaking.js';
import { genCommand } from './gen.js';
import { schemaCommand } from './schema.js';
import { wireCommand } from './wire.js';

const HELP = `capwire - typed, permission-checked IPC between webview pages and native hosts

usage: capwire <command> [options]

commands:
  wire encode|decode [--delimited]      Envelope JSON <-> binary frames (strict)
  call --policy FILE --batch FILE|-     run JSON-lines requests through a real host
  schema                                print the policy manifest's JSON Schema
  demo [--port N]                       run the demo host
  fuzz [--seconds N] [--seed S]         fuzz a host; exit 1 with a reproducer on any finding
  bench [--json] [--quick]              benchmarks against the JSON/base64 bridges
  gen [--out DIR] PROTO_DIR...          TypeScript bindings for the services in PROTO_DIRs
  breaking --against OLD_DIR NEW_DIR    wire/JSON breaking changes between two proto trees
  help                                  show this text

Run "capwire <command> --help" for a command's options.`;

type Command = (args: string[], stdout: NodeJS.WritableStream) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  wire: wireCommand,
  call: callCommand,
  schema: schemaCommand,
  demo: demoCommand,
  fuzz: fuzzCommand,
  bench: benchCommand,
  gen: genCommand,
  breaking: breakingCommand,
};

export async function main(argv: string[], stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    stdout.write(`${HELP}\n`);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    stderr.write(`capwire: unknown command ${JSON.stringify(name)} (run capwire --help)\n`);
    return 1;
  }
  try {
    return await command(rest, stdout);
  } catch (error) {
    stderr.write(`capwire ${name}: ${describeFailure(error)}\n`);
    return 1;
  }
}
