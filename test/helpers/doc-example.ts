/** Runs the first ```ts block of a markdown file as written (capwire resolves to this checkout) and returns its stdout lines. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function runDocExample(markdownPath: string): { source: string; status: number | null; stdout: string[]; stderr: string } {
  const doc = readFileSync(join(REPO_ROOT, markdownPath), 'utf8');
  const source = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!source) throw new Error(`${markdownPath} has no ts example`);
  const dir = join(REPO_ROOT, 'test-output');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename(markdownPath, '.md').toLowerCase()}-example.ts`);
  writeFileSync(file, source);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { source, status: run.status, stdout: run.stdout.trim().split('\n'), stderr: run.stderr };
}
