import { createApp } from '../app.ts';
import type { Env } from '../config/env.ts';
import { forkWorkers, requireSharedQueue, stopOnSignal, type WorkerPool } from './worker.ts';

/**
 * `sehat serve`: runs until SIGTERM/SIGINT, then stops in reverse order and drains in-flight work. With
 * `workers` > 0 it also starts that many `sehat worker` processes (shared queue only) and stops them first.
 */
export async function runServe(env: Env, options: { workers?: number } = {}): Promise<void> {
  const workers = options.workers ?? 0;
  if (workers > 0) requireSharedQueue(env, '`sehat serve --workers`');
  const app = await createApp(env);
  await app.start();
  const pool: WorkerPool | undefined = workers > 0 ? forkWorkers(workers, app.logger) : undefined;
  stopOnSignal(app.logger, async () => {
    await pool?.stop();
    await app.stop();
  });
}
