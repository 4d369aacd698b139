/** Small I/O helpers shared by the CLI commands. */
import { readFileSync } from 'node:fs';
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
