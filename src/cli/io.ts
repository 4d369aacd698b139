/** Small I/O helpers shared by the CLI commands. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CapwireError } from '../protocol/errors.js';

/** A problem with the user's input: printed as one line, exit 1, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Reads a file path, or stdin for "-". */
export async function readInput(path: string): Promise<Buffer> {
  if (path === '-') return readAll(process.stdin);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The one-line message a CLI failure prints. */
export function describeFailure(error: unknown): string {
  if (error instanceof CapwireError) return `${error.code}: ${error.message}`;
  if (error instanceof UsageError) return error.message;
  return `INTERNAL: ${error instanceof Error ? error.message : String(error)}`;
}

/** node's parseArgs, with its errors (unknown option, missing value) as UsageErrors naming the command. */
type CommandArgs<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

export function parseCommandArgs<const T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: T): CommandArgs<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (run capwire ${command} --help)`);
  }
}

/** Throws a UsageError unless every path is an existing directory. */
export function requireDirectories(dirs: readonly string[]): void {
  for (const dir of dirs) if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
}
