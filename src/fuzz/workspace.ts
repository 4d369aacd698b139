/**
 * The generated workspace a fuzz run attacks: granted trees, a write root,
 * deny subtrees, symlinks that try to leave their grant, and tripwire files
 * whose bytes must never come back in a reply and whose hashes must never
 * change. Built at a path the reproducer records, so a replay sees the same
 * absolute paths in the same frames.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy, type Policy } from '../policy/policy.js';

export const WORKSPACE_MARKER = '.capwire-fuzz-workspace';
export const SECRET_ENV_VAR = 'CAPWIRE_FUZZ_SECRET';
export const MAIN_ORIGIN = 'app://main';
export const OTHER_ORIGIN = 'app://other';
export const STRANGER_ORIGIN = 'app://stranger';

export interface FuzzWorkspace {
  /** Real, absolute path of the workspace root. */
  readonly root: string;
  readonly policy: Policy;
  /** Origins sessions are accepted for (granted ones and one with no grants). */
  readonly origins: readonly string[];
  /** Absolute directories the policy lets some origin write beneath. */
  readonly writeRoots: readonly string[];
  /** Bytes that must never appear in any frame the host sends. */
  readonly secrets: readonly Uint8Array[];
  /** Absolute paths worth asking for: files, links, escapes, siblings, tripwires. */
  readonly paths: readonly string[];
  /** Values for scoped non-fs capabilities. */
  readonly envNames: readonly string[];
  readonly programs: readonly string[];
  readonly hosts: readonly string[];
  /** Puts the write roots back to their initial contents. */
  resetWriteRoots(): void;
  /** Hash of everything outside the write roots (names, kinds, link targets, contents). */
  sealedDigest(): string;
  /** Which sealed entry differs between two listings (for messages). */
  sealedListing(): Map<string, string>;
  cleanup(): void;
}

const DIRS = ['data', 'data/sub', 'data/sub/deep', 'data/private', 'data/out', 'data/out/locked', 'data/out/sub', 'data-evil', 'dat', 'outside', 'outside/dir', 'shared'];

/** Files outside every write root; `secret` ones are readable by no origin. */
function files(marker: (name: string) => string): Record<string, { text: string; secret: boolean }> {
  return {
    'data/a.txt': { text: 'alpha', secret: false },
    'data/.hidden': { text: 'dotfile', secret: false },
    'data/sub/b.txt': { text: 'bee', secret: false },
    'data/sub/deep/c.txt': { text: 'sea', secret: false },
    'shared/s.txt': { text: 'shared', secret: false },
    'data/private/p.txt': { text: marker('private'), secret: true },
    'data-evil/x.txt': { text: marker('sibling'), secret: true },
    'dat/x': { text: marker('prefix'), secret: true },
    'outside/secret.txt': { text: marker('outside'), secret: true },
    'outside/dir/inner.txt': { text: marker('outside-dir'), secret: true },
  };
}

const WRITE_ROOT_FILES: Record<string, string> = { 'data/out/old.txt': 'old', 'data/out/sub/n.txt': 'nested', 'data/out/locked/l.txt': 'locked' };

function links(root: string): [target: string, at: string][] {
  return [
    ['../outside/secret.txt', 'data/escape-rel'],
    [join(root, 'outside/secret.txt'), 'data/escape-abs'],
    [join(root, 'data/a.txt'), 'data/abs-inside'],
    ['../outside', 'data/escape-dir'],
    ['private/p.txt', 'data/to-private'],
    ['private', 'data/to-private-dir'],
    ['sub/../private/p.txt', 'data/to-private-dotdot'],
    ['sub/b.txt', 'data/inside-link'],
    ['sub', 'data/inside-dir-link'],
    ['..', 'data/up'],
    ['/proc/self/root', 'data/proc-root'],
    ['nothing-here', 'data/dangling'],
    ['loop2', 'data/loop1'],
    ['loop1', 'data/loop2'],
    ['../data-evil', 'data/to-sibling'],
  ];
}

const WRITE_ROOT_LINKS: [target: string, at: string][] = [
  ['..', 'data/out/link-up'],
  ['../../outside', 'data/out/to-outside'],
  ['../a.txt', 'data/out/link-file'],
  ['../../outside/secret.txt', 'data/out/to-secret'],
  ['locked', 'data/out/to-locked'],
];

function manifest(root: string) {
  return {
    version: 1 as const,
    grants: [
      { capability: 'fs.read', origins: [MAIN_ORIGIN], paths: [join(root, 'data')] },
      { capability: 'fs.write', origins: [MAIN_ORIGIN], paths: [join(root, 'data/out')] },
      { capability: 'fs.read', origins: [OTHER_ORIGIN], paths: [join(root, 'data/sub')] },
      { capability: 'fs.read', origins: ['*'], paths: [join(root, 'shared')] },
      { capability: 'env.read', origins: ['*'], names: ['CAPWIRE_FUZZ_OK'] },
      { capability: 'env.read', origins: [MAIN_ORIGIN], names: ['LANG'] },
      { capability: 'process.spawn', origins: [MAIN_ORIGIN], programs: ['/bin/echo'] },
      { capability: 'os.info', origins: [MAIN_ORIGIN] },
      { capability: 'net.connect', origins: [MAIN_ORIGIN], hosts: ['127.0.0.1:9'] },
      { capability: 'sys.ping', origins: ['*'] },
      { capability: 'test.slow', origins: [MAIN_ORIGIN] },
      { capability: 'test.fail', origins: [MAIN_ORIGIN] },
    ],
    deny: [
      { capability: 'fs.read', origins: ['*'], paths: [join(root, 'data/private')] },
      { capability: 'fs.write', origins: ['*'], paths: [join(root, 'data/out/locked')] },
      { capability: 'sys.ping', origins: [STRANGER_ORIGIN] },
    ],
  };
}

/** A fresh name under the system temp dir; the path goes into reproducers. */
export function newWorkspacePath(): string {
  return join(realpathSync(tmpdir()), `capwire-fuzz-${randomBytes(4).toString('hex')}`);
}

/**
 * Builds (or rebuilds, for a replay) the workspace at `root`. An existing
 * directory is only replaced when it carries the fuzz marker file.
 */
export function buildWorkspace(root: string = newWorkspacePath()): FuzzWorkspace {
  if (existsSync(root)) {
    if (!existsSync(join(root, WORKSPACE_MARKER))) throw new Error(`fuzz workspace: ${root} exists and is not a fuzz workspace (remove it or pick another)`);
    rmSync(root, { recursive: true, force: true });
  }
  mkdirSync(root, { recursive: true });
  const real = realpathSync(root);
  writeFileSync(join(real, WORKSPACE_MARKER), '');
  const secrets: Uint8Array[] = [];
  const token = randomBytes(6).toString('hex');
  const marker = (name: string): string => {
    const text = `TRIPWIRE-${name}-${token}`;
    secrets.push(new TextEncoder().encode(text));
    return text;
  };
  for (const dir of DIRS) mkdirSync(join(real, dir), { recursive: true });
  for (const [rel, file] of Object.entries(files(marker))) writeFileSync(join(real, rel), file.text);
  for (const [target, at] of links(real)) symlinkSync(target, join(real, at));
  const envSecret = marker('env');
  process.env[SECRET_ENV_VAR] = envSecret;
  process.env['CAPWIRE_FUZZ_OK'] = 'fine';

  const writeRoots = [join(real, 'data/out')];
  const refillWriteRoots = (): void => {
    // Empty the roots but keep the directories: the engine holds fds on them.
    for (const dir of writeRoots) {
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true, maxRetries: 5, retryDelay: 5 });
    }
    mkdirSync(join(real, 'data/out/locked'));
    mkdirSync(join(real, 'data/out/sub'));
    for (const [rel, text] of Object.entries(WRITE_ROOT_FILES)) writeFileSync(join(real, rel), text);
    for (const [target, at] of WRITE_ROOT_LINKS) symlinkSync(target, join(real, at));
  };
  const resetWriteRoots = (): void => {
    // A native write from an input whose session already closed may still land
    // (it runs on the thread pool) and recreate a name mid-refill: start over.
    for (let attempt = 1; ; attempt++) {
      try {
        return refillWriteRoots();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 50 || (code !== 'EEXIST' && code !== 'ENOTEMPTY')) throw error;
      }
    }
  };
  resetWriteRoots();

  const inWriteRoot = (path: string): boolean => writeRoots.some((dir) => path === dir || path.startsWith(`${dir}/`));
  const sealedListing = (): Map<string, string> => {
    const out = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (inWriteRoot(path)) continue;
        const st = lstatSync(path);
        if (st.isSymbolicLink()) out.set(path, `link:${readlinkSync(path)}`);
        else if (st.isDirectory()) {
          out.set(path, `dir:${st.mode & 0o7777}`);
          walk(path);
        } else out.set(path, `file:${st.mode & 0o7777}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      }
    };
    walk(real);
    // The write root directories themselves (not their contents) are sealed too.
    for (const dir of writeRoots) out.set(dir, existsSync(dir) ? `dir:${lstatSync(dir).mode & 0o7777}` : 'missing');
    return out;
  };
  const sealedDigest = (): string => {
    const hash = createHash('sha256');
    for (const [path, value] of sealedListing()) hash.update(`${path}\0${value}\n`);
    return hash.digest('hex');
  };

  const rel = (...parts: string[]) => join(real, ...parts);
  const paths = [
    ...Object.keys(files(() => '')).map((p) => rel(p)),
    ...links(real).map(([, at]) => rel(at)),
    ...Object.keys(WRITE_ROOT_FILES).map((p) => rel(p)),
    ...WRITE_ROOT_LINKS.map(([, at]) => rel(at)),
    ...DIRS.map((d) => rel(d)),
    real,
    rel('data/out/new.txt'),
    rel('data/out/sub/new.txt'),
    rel('data/out/newdir'),
    rel('data/out/locked/new.txt'),
    rel('data/out/to-outside/new.txt'),
    rel('data/out/link-up/a.txt'),
    rel('data/out/../a.txt'),
    rel('data/../outside/secret.txt'),
    rel('data/./sub//b.txt'),
    rel('data/sub/deep/'),
    rel('data/a.txt/'),
    rel('data/escape-dir/secret.txt'),
    rel('data/up/outside/secret.txt'),
    rel('data/inside-dir-link/deep/c.txt'),
    rel('data/to-private-dir/p.txt'),
    rel('data/missing.txt'),
    rel('data-evil'),
    '/etc/passwd',
    '/',
    '/proc/self/environ',
    'relative/path',
    '',
    `${rel('data')}\0/a.txt`,
  ];
  return {
    root: real,
    policy: parsePolicy(manifest(real), real),
    origins: [MAIN_ORIGIN, OTHER_ORIGIN, STRANGER_ORIGIN],
    writeRoots,
    secrets,
    paths,
    envNames: ['CAPWIRE_FUZZ_OK', 'LANG', SECRET_ENV_VAR, 'PATH', 'HOME', '', 'A=B', 'LANG\0X'],
    programs: ['/bin/echo', '/bin/sh', '/bin/cat', '/usr/bin/env', 'echo', '/bin/../bin/echo', '/bin//echo'],
    hosts: ['127.0.0.1', 'localhost', '::1', '', '127.0.0.1:9'],
    resetWriteRoots,
    sealedDigest,
    sealedListing,
    cleanup() {
      rmSync(real, { recursive: true, force: true, maxRetries: 5, retryDelay: 5 });
      if (process.env[SECRET_ENV_VAR] === envSecret) delete process.env[SECRET_ENV_VAR];
    },
  };
}
