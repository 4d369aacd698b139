// Locates and loads the compiled addon with node-gyp-build, which prefers a
// fresh build/Release over prebuilds/ (so development builds win over stale
// prebuilds). Works from src/native (tsx) and dist/native (tsc output).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The directory holding capwire's package.json, found upward from this module. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('capwire: cannot find the package root (binding.gyp) above ' + import.meta.url);
    dir = parent;
  }
}

export interface RawCancelToken {
  cancel(): void;
}

export interface RawProcess {
  read(maxBytes: number): Promise<unknown>;
  close(): void;
  readonly pid: number;
}

export interface RawEngine {
  call(origin: string, method: string, params: Record<string, unknown>, cancel?: RawCancelToken): Promise<unknown>;
  startProcess(origin: string, params: Record<string, unknown>): unknown;
  check(origin: string, capability: string, scopeValue?: string): unknown;
  close(): void;
  readonly resolver: 'openat2' | 'fallback' | null;
  readonly inertRoots: string[];
}

export interface RawAddon {
  openEngine(blob: Uint8Array, options?: { forceNoOpenat2?: boolean }): RawEngine;
  openat2Available(): boolean;
  CancelToken: new () => RawCancelToken;
}

let cached: RawAddon | Error | undefined;

export function loadAddon(): RawAddon {
  if (cached === undefined) {
    try {
      const load = require('node-gyp-build') as (dir: string) => RawAddon;
      cached = load(packageRoot());
    } catch (err) {
      cached = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (cached instanceof Error) throw cached;
  return cached;
}

/** Path of the .node file node-gyp-build would load (for diagnostics and tests). */
export function addonPath(): string {
  const load = require('node-gyp-build') as { resolve(dir: string): string };
  return load.resolve(packageRoot());
}
