/**
 * The demo's workspace and default policy. The workspace is created (and seeded
 * with a few files) when missing; existing files are never overwritten. The
 * policy is built in memory with absolute paths, never read from the workspace
 * (the page may write there).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Manifest } from '../policy/manifest.js';
import { loadPolicyFile, parsePolicy, type Policy } from '../policy/policy.js';

const SEED: readonly [string, string][] = [
  ['README.txt', 'This is the capwire demo workspace.\nThe page may read and write here, except in private/.\n'],
  ['notes/hello.txt', 'Hello from the capwire demo workspace.\n'],
  ['private/secret.txt', 'not for pages\n'],
];

/** Creates the workspace and its seed files if missing; returns its canonical absolute path. */
export function prepareWorkspace(dir: string): string {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  for (const [name, text] of SEED) {
    const path = join(root, name);
    if (existsSync(path)) continue;
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return realpathSync(root);
}

/** The default grants: the workspace (but private/), LANG, os.info, /bin/echo, /usr/bin/yes (a stream that never ends) and ping. */
export function demoManifest(workspace: string, origin: string): Manifest {
  const origins = [origin];
  return {
    version: 1,
    grants: [
      { capability: 'fs.read', origins, paths: [workspace] },
      { capability: 'fs.write', origins, paths: [workspace] },
      { capability: 'env.read', origins, names: ['LANG'] },
      { capability: 'os.info', origins },
      { capability: 'process.spawn', origins, programs: ['/bin/echo', '/usr/bin/yes'] },
      { capability: 'sys.ping', origins },
    ],
    deny: [
      { capability: 'fs.read', origins: ['*'], paths: [join(workspace, 'private')] },
      { capability: 'fs.write', origins: ['*'], paths: [join(workspace, 'private')] },
    ],
  } as Manifest;
}

/** JSON with one rule per line: easier to read in the page than JSON.stringify's indentation. */
export function formatManifest(manifest: Manifest): string {
  const rules = (list: readonly object[]) => list.map((rule) => `    ${JSON.stringify(rule)}`).join(',\n');
  const deny = manifest.deny?.length ? `,\n  "deny": [\n${rules(manifest.deny)}\n  ]` : '';
  return `{\n  "version": ${manifest.version},\n  "grants": [\n${rules(manifest.grants)}\n  ]${deny}\n}\n`;
}

export interface DemoPolicy {
  readonly policy: Policy;
  /** What the page shows: the manifest as written. */
  readonly text: string;
  readonly source: string;
}

export function defaultDemoPolicy(workspace: string, origin: string): DemoPolicy {
  const manifest = demoManifest(workspace, origin);
  return { policy: parsePolicy(manifest, workspace), text: formatManifest(manifest), source: 'built-in demo policy' };
}

export function demoPolicyFromFile(file: string): DemoPolicy {
  const path = resolve(file);
  const policy = loadPolicyFile(path);
  return { policy, text: readFileSync(path, 'utf8'), source: path };
}
