/** Observing real processes and the fd table through /proc, for cleanup tests. */
import { readFileSync, readdirSync } from 'node:fs';

/** Alive means a /proc entry that is not a zombie (an orphan's zombie may wait for a busy init). */
export function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `condition` every 10 ms for up to `ms`; its last answer. */
export async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}

/** File descriptors this process has open. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
