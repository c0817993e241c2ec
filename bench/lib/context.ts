import type { Reporter } from './report.ts';

export interface LoadPoint {
  system: string;
  offeredPerS: number;
  achievedPerS: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SuiteContext {
  reporter: Reporter;
  quick: boolean;
  /** System runs per figure (baseline runs = reps + 1), interleaved. */
  reps: number;
  /** Points for the throughput/latency-vs-load chart. */
  loadPoints: LoadPoint[];
  log(message: string): void;
}

export interface Suite {
  name: string;
  title: string;
  run(ctx: SuiteContext): Promise<void>;
}
