import { hostname } from 'node:os';
import type { Env } from './config/env.ts';
import { createInProcessHandoffQueue, type HandoffQueue } from './handoff/handoff-queue.ts';
import { createRedisHandoffQueue } from './handoff/redis-handoff-queue.ts';
import { createInProcessJobQueue, type JobQueue } from './queue/job-queue.ts';
import { createMemoryKeyValueState, type KeyValueState } from './queue/key-value-state.ts';
import { createInProcessMessageBus, type MessageBus } from './queue/message-bus.ts';
import { createRedisConnection, pingRedis } from './queue/redis-connection.ts';
import { createRedisJobQueue } from './queue/redis-job-queue.ts';
import { createRedisKeyValueState } from './queue/redis-key-value-state.ts';
import { createRedisMessageBus } from './queue/redis-message-bus.ts';
import type { Logger } from './shared/logger.ts';

/**
 * The state processes share: key-value state (dedupe, rate limits, sessions), the message bus, the work
 * queue and the educator queue. In-process for one process; Redis when REDIS_URL is set.
 */
export interface SharedState {
  kv: KeyValueState;
  bus: MessageBus;
  queue: JobQueue;
  handoffQueue: HandoffQueue;
  readiness: { name: string; check: () => Promise<void> }[];
  close(): Promise<void>;
}

/** In-process state for one process, or Redis so that several processes share the work. */
export function createSharedState(env: Env, logger: Logger): SharedState {
  const onError = (error: unknown, job: { messageId: string }) =>
    logger.error({ messageId: job.messageId, err: (error as Error).message }, 'job failed');
  if (!env.REDIS_URL) {
    return {
      kv: createMemoryKeyValueState(),
      bus: createInProcessMessageBus(),
      queue: createInProcessJobQueue({ onError }),
      handoffQueue: createInProcessHandoffQueue(),
      readiness: [],
      close: async () => {},
    };
  }
  const prefix = env.REDIS_PREFIX;
  const redis = createRedisConnection(env.REDIS_URL, { logger, name: 'sehat-commands' });
  const subscriber = createRedisConnection(env.REDIS_URL, { logger, name: 'sehat-events' });
  return {
    kv: createRedisKeyValueState(redis, { prefix }),
    bus: createRedisMessageBus(redis, subscriber, { prefix, logger }),
    queue: createRedisJobQueue(redis, {
      prefix,
      consumerName: `${hostname()}-${process.pid}`,
      partitions: env.WORKER_PARTITIONS,
      logger,
    }),
    handoffQueue: createRedisHandoffQueue(redis, subscriber, { prefix, logger }),
    readiness: [{ name: 'redis', check: () => pingRedis(redis) }],
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      subscriber.disconnect();
    },
  };
}
