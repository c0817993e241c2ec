import { type ChildProcess, spawn } from 'node:child_process';
import { createApp } from '../app.ts';
import type { Env } from '../config/env.ts';
import { AppError } from '../core/errors.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * Workers only work the shared queue, so they make sense only with it: Redis Streams, shared by every
 * process, and a database they all reach (PostgreSQL for several machines).
 */
export function requireSharedQueue(env: Env, what: string): void {
  const problems: string[] = [];
  if (!env.REDIS_URL)
    problems.push(
      `REDIS_URL: ${what} needs the shared queue in Redis — without it each process has its own in-memory queue, and a worker would never see a message. Set REDIS_URL=redis://… (and DATABASE_URL=postgres://…), or run \`sehat serve\` alone.`,
    );
  if (env.DATABASE_URL === 'sqlite::memory:' || env.DATABASE_URL === 'sqlite:')
    problems.push(`DATABASE_URL: ${what} needs a database every process reaches, not one in memory.`);
  if (env.WHATSAPP_MODE === 'web')
    problems.push(
      `WHATSAPP_MODE=web: the WhatsApp Web session lives in one process, which alone can send — run \`sehat serve\` alone, or use WHATSAPP_MODE=cloud.`,
    );
  if (problems.length > 0)
    throw new AppError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
}

/** Stops `stop` on SIGTERM/SIGINT (once), within a 20 s deadline, then exits. */
export function stopOnSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight work');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, 20_000);
    deadline.unref();
    await stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * `sehat worker`: a process that only works the shared queue — runs conversations and sends replies through
 * the channel adapters — and serves no HTTP, so platforms' webhooks go to the `sehat serve` processes.
 */
export async function runWorker(env: Env): Promise<void> {
  requireSharedQueue(env, '`sehat worker`');
  const app = await createApp(env);
  await app.startWorker();
  stopOnSignal(app.logger, () => app.stop());
}

export interface WorkerPool {
  /** SIGTERM to every worker; resolves when all have exited (SIGKILL after `deadlineMs`). */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * `sehat serve --workers N`: N extra `sehat worker` processes next to the server, started with the same
 * command line (node, its loader flags, this entry script) and environment. A worker that dies is started
 * again after a pause; all are stopped with the server.
 */
export function forkWorkers(count: number, logger: Logger): WorkerPool {
  const children = new Set<ChildProcess>();
  let stopping = false;
  const launch = (index: number) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? 'bin/sehat.js', 'worker'], {
      env: process.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.add(child);
    logger.info({ worker: index, pid: child.pid }, 'worker process started');
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      logger.error({ worker: index, code, signal }, 'worker process exited; starting it again in 2 s');
      setTimeout(() => {
        if (!stopping) launch(index);
      }, 2_000).unref();
    });
  };
  for (let i = 1; i <= count; i++) launch(i);
  return {
    async stop(deadlineMs = 18_000) {
      stopping = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
