import type { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createInProcessHandoffQueue, type HandoffQueue } from '../../src/handoff/handoff-queue.ts';
import { createRedisHandoffQueue } from '../../src/handoff/redis-handoff-queue.ts';
import { redisAvailable } from '../support/services.ts';
import { handoffQueueContract } from './handoff-queue.contract.ts';
import { closeRedis, connectRedis, deleteKeys, testPrefix } from './redis-fixture.ts';

handoffQueueContract('in-process', async () => {
  // One process: every console and service shares the one queue.
  const queue = createInProcessHandoffQueue();
  return { open: async () => queue, cleanup: () => queue.close() };
});

const redisOk = await redisAvailable('HandoffQueue contract on Redis');

describe.runIf(redisOk)('Redis', () => {
  handoffQueueContract('Redis', async () => {
    const prefix = testPrefix('handoff');
    const queues: HandoffQueue[] = [];
    const connections: Redis[] = [];
    return {
      // Each instance gets its own command and subscriber connections, as a separate process would.
      async open() {
        const commands = connectRedis(`handoff-${queues.length}`);
        const subscriber = connectRedis(`handoff-${queues.length}-events`);
        connections.push(commands);
        const queue = createRedisHandoffQueue(commands, subscriber, { prefix });
        queues.push(queue);
        await queue.ready();
        return queue;
      },
      async cleanup() {
        await Promise.all(queues.map((q) => q.close()));
        await closeRedis(...connections);
        await deleteKeys(prefix);
      },
    };
  });
});
