import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One per-second sample of a process: event-loop delay, heap, RSS and CPU. */
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

/** Samples this process every intervalMs (1 s) until stopped; the timer never keeps the process alive. */
export function startMonitor(onSample: (s: Sample) => void, intervalMs = 1000): () => void {
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  let lastCpu = process.cpuUsage();
  let lastT = performance.now();
  const timer = setInterval(() => {
    const cpu = process.cpuUsage();
    const now = performance.now();
    const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    const mem = process.memoryUsage();
    onSample({
      t: Date.now(),
      pid: process.pid,
      eldP50Ms: eld.percentile(50) / 1e6,
      eldP99Ms: eld.percentile(99) / 1e6,
      eldMaxMs: eld.max / 1e6,
      heapMb: mem.heapUsed / 2 ** 20,
      rssMb: mem.rss / 2 ** 20,
      cpu: used / (now - lastT),
    });
    eld.reset();
    lastCpu = cpu;
    lastT = now;
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    eld.disable();
  };
}
