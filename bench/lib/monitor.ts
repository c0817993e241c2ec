/** One per-second sample of a process (written by monitor-preload.mjs): event-loop delay, heap, RSS and CPU. */
export interface Sample {
  /** Wall clock, ms. */
  t: number;
  pid: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  heapMb: number;
  rssMb: number;
  /** CPU time used in the last interval ÷ the interval (1 = one core busy). */
  cpu: number;
}
