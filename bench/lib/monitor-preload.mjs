/**
 * Loaded with `node --import` into every process a benchmark starts (the real `sehat serve` included), so
 * the product is measured unchanged: appends one Sample (see monitor.ts) per second to $BENCH_MONITOR_FILE:
 * event-loop delay, heap, RSS and CPU. Plain JavaScript, so the server can run without tsx, as operators run it.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_MONITOR_FILE;
if (file) {
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  let lastCpu = process.cpuUsage();
  let lastT = performance.now();
  // The timer never keeps the process alive.
  setInterval(() => {
    const cpu = process.cpuUsage();
    const now = performance.now();
    const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    const mem = process.memoryUsage();
    const sample = {
      t: Date.now(),
      pid: process.pid,
      eldP50Ms: eld.percentile(50) / 1e6,
      eldP99Ms: eld.percentile(99) / 1e6,
      eldMaxMs: eld.max / 1e6,
      heapMb: mem.heapUsed / 2 ** 20,
      rssMb: mem.rss / 2 ** 20,
      cpu: used / (now - lastT),
    };
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
    eld.reset();
    lastCpu = cpu;
    lastT = now;
  }, 1000).unref();
}
