/** Small statistics helpers shared by every benchmark. */

/** Nearest-rank percentile of an ascending array (p in 0..100). NaN for an empty array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  const sum = arr.reduce((s, v) => s + v, 0);
  return {
    count: arr.length,
    mean: arr.length ? sum / arr.length : Number.NaN,
    p50: percentile(arr, 50),
    p99: percentile(arr, 99),
    p999: percentile(arr, 99.9),
    max: arr.length ? (arr[arr.length - 1] as number) : Number.NaN,
  };
}

/** Least-squares slope of y over x (per unit of x). */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface Interleaved<T> {
  baselineRuns: T[];
  systemRuns: T[];
}

/**
 * Absolute times are noisy on shared machines, so every figure is a ratio to a baseline measured in the same
 * run, interleaved: baseline, system, baseline, system, … baseline (reps system runs, reps + 1 baseline runs).
 * Callers take the median of each side.
 */
export async function interleave<T>(
  reps: number,
  baseline: (rep: number) => Promise<T>,
  system: (rep: number) => Promise<T>,
): Promise<Interleaved<T>> {
  const baselineRuns: T[] = [];
  const systemRuns: T[] = [];
  for (let rep = 0; rep < reps; rep++) {
    baselineRuns.push(await baseline(rep));
    systemRuns.push(await system(rep));
  }
  baselineRuns.push(await baseline(reps));
  return { baselineRuns, systemRuns };
}

/** Median of one numeric field over runs. */
export function medianOf<T>(runs: T[], pick: (run: T) => number): number {
  return median(runs.map(pick));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Monotonic time in ms, comparable across processes on one Linux machine (CLOCK_MONOTONIC). */
export const monoMs = () => Number(process.hrtime.bigint()) / 1e6;
