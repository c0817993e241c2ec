/**
 * Loaded with `node --import` into every process a benchmark starts (the real `sehat serve` included), so
 * the product is measured unchanged: appends one Sample per second to $BENCH_MONITOR_FILE.
 */
import { appendFileSync } from 'node:fs';
import { startMonitor } from './monitor.ts';

const file = process.env.BENCH_MONITOR_FILE;
if (file) startMonitor((sample) => appendFileSync(file, `${JSON.stringify(sample)}\n`));
