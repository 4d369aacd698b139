/**
 * Loads user .proto files (Node only: it reads the file system). Imports of
 * capwire/v1/*.proto resolve to the copies shipped in this package, so users
 * import the options without copying them.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
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

/** One .proto file of a loaded tree: its import path and the name protobufjs knows it by. */
export interface ProtoSource {
  /** Import path relative to its directory ("notes/v1/notes.proto"): the same wherever the folder lives. */
  readonly path: string;
  /** The resolved file name protobufjs records in each definition's `filename`. */
  readonly filename: string;
  /** True for files under the given directories; false for imports resolved elsewhere (capwire/v1, google/protobuf). */
  readonly input: boolean;
}

export interface ProtoTree {
  readonly schemas: SchemaSet;
  /** Every file the root loaded, inputs first in path order. */
  readonly files: readonly ProtoSource[];
}

/** Parses the protos under the given directories, keeping which file defined what. */
export function loadProtoTree(dirs: readonly string[]): ProtoTree {
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
  const inputs = new Map<string, string>();
  for (const dir of dirs) {
    for (const path of listProtoFiles(dir)) {
      const filename = join(resolve(dir), path);
      const earlier = inputs.get(path);
      if (earlier !== undefined && earlier !== filename) {
        throw new CapwireError('INVALID_ARGUMENT', `proto: ${path} is in more than one of the given directories`);
      }
      inputs.set(path, filename);
    }
  }
  let schemas: SchemaSet;
  try {
    // alternateCommentMode keeps `//` comments too, so generated code carries the protos' docs.
    root.loadSync([...inputs.keys()], { keepCase: true, alternateCommentMode: true });
    schemas = new SchemaSet(root);
  } catch (error) {
    throw new CapwireError('INVALID_ARGUMENT', `proto: ${(error as Error).message}`);
  }
  const inputFilenames = new Set(inputs.values());
  const files: ProtoSource[] = root.files.map((filename) => {
    const dir = isAbsolute(filename) ? includeDirs.find((include) => !relative(include, filename).startsWith('..')) : undefined;
    const path = dir === undefined ? filename : relative(dir, filename).split('\\').join('/');
    return { path, filename, input: inputFilenames.has(filename) };
  });
  files.sort((a, b) => Number(b.input) - Number(a.input) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { schemas, files };
}

/** Parses the protos under the given directories into one schema set. */
export function loadProtoDirs(dirs: readonly string[]): SchemaSet {
  return loadProtoTree(dirs).schemas;
}
