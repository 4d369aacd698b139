/**
 * Loads user .proto files (Node only: it reads the file system). Imports of
 * capwire/v1/*.proto resolve to the copies shipped in this package, so users
 * import the options without copying them.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { SchemaSet } from './codec/schema.js';
import { CapwireError } from './errors.js';

/** proto/ of this package (works from src/ under tsx and from dist/). */
export const PACKAGE_PROTO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../proto');

function protobufGoogleDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('protobufjs/package.json')), 'google/protobuf');
}

/** Every .proto under dir, as paths relative to dir, sorted. */
export function listProtoFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.proto')) out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

/** Parses the protos under the given directories into one schema set. */
export function loadProtoDirs(dirs: readonly string[]): SchemaSet {
  const root = new protobuf.Root();
  // google/protobuf/*.proto ship inside protobufjs itself.
  const includeDirs = [...dirs.map((dir) => resolve(dir)), PACKAGE_PROTO_DIR, dirname(dirname(protobufGoogleDir()))];
  root.resolvePath = (_origin, target) => {
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  const files = dirs.flatMap((dir) => listProtoFiles(dir).map((file) => file));
  try {
    root.loadSync(files, { keepCase: true });
    return new SchemaSet(root);
  } catch (error) {
    throw new CapwireError('INVALID_ARGUMENT', `proto: ${(error as Error).message}`);
  }
}
