import type { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createMemoryKeyValueState } from '../../src/queue/key-value-state.ts';
import { createRedisKeyValueState } from '../../src/queue/redis-key-value-state.ts';
import { redisAvailable } from '../support/services.ts';
import { keyValueStateContract } from './key-value-state.contract.ts';
import { closeRedis, connectRedis, deleteKeys, testPrefix } from './redis-fixture.ts';

keyValueStateContract('in-process memory', async () => {
  // One process: every component shares the one map.
  const kv = createMemoryKeyValueState();
  return { open: async () => kv, cleanup: () => kv.close() };
});

const redisOk = await redisAvailable('KeyValueState contract on Redis');

describe.runIf(redisOk)('Redis', () => {
  keyValueStateContract('Redis', async () => {
    const prefix = testPrefix('kv');
    const connections: Redis[] = [];
    return {
      async open() {
        const redis = connectRedis(`kv-${connections.length}`);
        connections.push(redis);
        return createRedisKeyValueState(redis, { prefix });
      },
      async cleanup() {
        await closeRedis(...connections);
        await deleteKeys(prefix);
      },
    };
  });
});
