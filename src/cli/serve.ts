import { createApp } from '../app.ts';
import type { Env } from '../config/env.ts';

/** `sehat serve`: runs until SIGTERM/SIGINT, then stops in reverse order and drains in-flight work. */
export async function runServe(env: Env): Promise<void> {
  const app = await createApp(env);
  await app.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down: draining in-flight work');
    const deadline = setTimeout(() => {
      app.logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, 20_000);
    deadline.unref();
    await app.stop();
    app.logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
