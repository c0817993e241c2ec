import type { Env } from '../config/env.ts';
import { createSilentLogger } from '../shared/logger.ts';
import { createSharedState } from '../shared-state.ts';

/** `sehat queue dead`: messages the workers gave up on after repeated failures (Redis mode). */
export async function runQueueDead(env: Env, options: { limit?: string; json?: boolean }): Promise<number> {
  if (!env.REDIS_URL) {
    console.log(
      'The in-process queue keeps no dead letters: a failed message stays "received" in the CRM and is retried at the next start-up. Set REDIS_URL for the shared queue.',
    );
    return 0;
  }
  const shared = createSharedState(env, createSilentLogger());
  try {
    const dead = (await shared.queue.deadLetters?.(Number(options.limit ?? 50))) ?? [];
    if (options.json) console.log(JSON.stringify(dead, null, 2));
    else if (dead.length === 0) console.log('No dead letters.');
    else {
      console.log(`${dead.length} message(s) set aside after repeated failures (newest first):`);
      for (const d of dead)
        console.log(
          `${d.failedAt}  message ${d.messageId ?? '?'}  ${d.conversationKey ?? ''}  after ${d.attempts} attempt(s): ${d.error}`,
        );
      console.log(
        '\nFix the cause, then re-run them: they are still in the CRM with status "received" and are picked up at the next start-up.',
      );
    }
    return 0;
  } finally {
    await shared.queue.stop(1000).catch(() => {});
    await shared.handoffQueue.close().catch(() => {});
    await shared.close();
  }
}
