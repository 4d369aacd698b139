/**
 * Measurement primitives: repetition summaries (median and spread), latency
 * percentiles and the result row every benchmark section produces.
 */

/** One figure over several repetitions. */
export interface Measure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median, in percent: how much the repetitions disagree. */
  readonly spreadPct: number;
  readonly reps: number;
}

export interface Comparison {
  /** Which baseline ("json", "base64", "direct", ...). */
  readonly baseline: string;
  readonly value: Measure;
  /** See Row.howCompared for the direction. */
  readonly ratio: number;
}

export interface Row {
  readonly section: string;
  /** What was measured, e.g. "memory 1 KiB p50". */
  readonly name: string;
  readonly unit: string;
  readonly capwire: Measure;
  readonly baselines: readonly Comparison[];
  /** How every ratio in this row is formed, e.g. "baseline time / capwire time (>1: capwire faster)". */
  readonly howCompared: string;
  readonly target?: { readonly text: string; readonly met: boolean };
  readonly note?: string;
}

export function measure(values: readonly number[]): Measure {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, spreadPct: Number.NaN, reps: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return { median, min, max, spreadPct: median === 0 ? 0 : ((max - min) / median) * 100, reps: values.length };
}

/** Nearest-rank percentile of an ascending list (p in 0..100); the median of an even list is the mean of the middle two. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p === 50) {
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Monotonic clock in nanoseconds, as a double. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Orders the contenders differently each repetition so drift (GC, JIT, thermal) does not favour one side. */
export function rotation<T>(items: readonly T[], rep: number): T[] {
  const k = rep % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** Three significant digits, no exponent for everyday magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}
