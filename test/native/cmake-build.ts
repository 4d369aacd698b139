// Configures (once) and builds the plain-CMake targets of the core into
// build-native-tests/: the C++ unit tests, the C example and the benchmark.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cmakeBuildDir = join(repoRoot, 'build-native-tests');

export function buildCmakeTargets(...targets: string[]): void {
  if (!existsSync(join(cmakeBuildDir, 'CMakeCache.txt'))) {
    execFileSync('cmake', ['-S', repoRoot, '-B', cmakeBuildDir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'pipe' });
  }
  const args = ['--build', cmakeBuildDir, '-j', '4'];
  for (const t of targets) args.push('--target', t);
  execFileSync('cmake', args, { stdio: 'pipe' });
}
