import type { Redis } from 'ioredis';
import type { KeyValueState } from './key-value-state.ts';
import { REDIS_KEY_PREFIX } from './redis-connection.ts';

/**
 * INCRBY creates a missing key at 0 and never touches its TTL, so the TTL must be set when the key is
 * created — and in the same atomic step, or a crash between the two commands would leave a counter that
 * never expires (a rate limit that never resets). Lua scripts run atomically (@see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
 */
const INCREMENT_SCRIPT = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

export interface RedisKeyValueStateOptions {
  prefix?: string;
  /** Quit the connection on close(); leave false when the connection is shared with other components. */
  ownsConnection?: boolean;
}

/** Redis rejects PX 0 and fractional milliseconds; the in-process state accepts any positive TTL. */
const px = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

export function createRedisKeyValueState(redis: Redis, options: RedisKeyValueStateOptions = {}): KeyValueState {
  const prefix = `${options.prefix ?? REDIS_KEY_PREFIX}kv:`;
  return {
    async setIfAbsent(key, value, ttlMs) {
      // SET … NX PX is one atomic command: exactly one of any number of racing callers gets 'OK'.
      return (await redis.set(prefix + key, value, 'PX', px(ttlMs), 'NX')) === 'OK';
    },
    async get(key) {
      return (await redis.get(prefix + key)) ?? undefined;
    },
    async delete(key) {
      await redis.del(prefix + key);
    },
    async increment(key, delta, ttlMs) {
      if (!Number.isInteger(delta)) throw new Error(`increment needs an integer delta (Redis INCRBY), got ${delta}`);
      return Number(await redis.eval(INCREMENT_SCRIPT, 1, prefix + key, delta, px(ttlMs)));
    },
    async close() {
      if (options.ownsConnection) await redis.quit();
    },
  };
}
