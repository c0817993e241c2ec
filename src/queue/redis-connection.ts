import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.ts';

// Loaded on first use, not at start-up: a single-process install (no REDIS_URL) never needs the client.
const requireCjs = createRequire(import.meta.url);
const loadIoredis = () => requireCjs('ioredis') as typeof import('ioredis');

/**
 * Default namespace for every key and channel Sehat writes, so one Redis can serve other apps (or several
 * Sehat deployments, each with its own prefix). The Redis factories take the prefix explicitly instead of
 * using ioredis' `keyPrefix` option: that option does not apply to pub/sub channels or SCAN patterns, so
 * explicit prefixes are the only way to keep keys, streams and channels in one namespace.
 */
export const REDIS_KEY_PREFIX = 'sehat:';

export interface RedisConnectionOptions {
  logger?: Logger;
  /** Shown by CLIENT LIST, so an operator can tell which process (and role) holds a connection. */
  name?: string;
  connectTimeoutMs?: number;
}

/** Logs connection trouble once per distinct error instead of once per reconnect attempt. */
export function watchRedisConnection(redis: Redis, label: string, logger?: Logger): Redis {
  let lastError = '';
  // Without an 'error' listener ioredis' EventEmitter would print "Unhandled error event" on every retry.
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger?.warn({ redis: label, err: error.message }, 'redis connection error');
  });
  redis.on('ready', () => {
    if (lastError) logger?.info({ redis: label }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}

/**
 * One ioredis connection with options that fail fast: connecting starts at once (lazyConnect off), and a
 * command issued while Redis is unreachable is retried over at most two reconnects and then rejected with
 * MaxRetriesPerRequestError. ioredis' default (20 retries, or forever with null) would leave a webhook or
 * a worker hanging instead of returning a clear error. Reconnection itself continues in the background.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const { Redis: RedisClient } = loadIoredis();
  const redis = new RedisClient(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: options.name,
  });
  return watchRedisConnection(redis, options.name ?? redactRedisUrl(url), options.logger);
}

/** Readiness check: resolves when Redis answers PING, rejects with a clear error otherwise. */
export async function pingRedis(redis: Redis): Promise<void> {
  const reply = await redis.ping();
  if (reply !== 'PONG') throw new Error(`unexpected PING reply from Redis: ${reply}`);
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
