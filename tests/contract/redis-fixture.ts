import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '../../src/queue/redis-connection.ts';
import { REDIS_URL } from '../support/services.ts';

/** A key prefix no other test run shares, so suites can run in parallel against one Redis. */
export function testPrefix(suite: string): string {
  return `sehat-test:${suite}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** A connection of its own, as a separate process would have. */
export function connectRedis(name: string): Redis {
  return createRedisConnection(REDIS_URL, { name });
}

/** Deletes every key under the prefix (SCAN, not KEYS, so a shared Redis is never blocked). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = connectRedis('test-cleanup');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** quit() waits for replies; a connection already closed (a simulated crash) has nothing to wait for. */
export async function closeRedis(...connections: Redis[]): Promise<void> {
  await Promise.all(connections.map((c) => (c.status === 'end' ? undefined : c.quit().catch(() => c.disconnect()))));
}
