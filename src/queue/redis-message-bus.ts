import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.ts';
import type { MessageBus } from './message-bus.ts';

/**
 * MessageBus over Redis pub/sub. The subscriber connection is dedicated (a subscribed ioredis connection
 * can't run other commands); every process, the publisher included, receives each message once.
 */
export function createRedisMessageBus(
  redis: Redis,
  subscriber: Redis,
  options: { prefix: string; logger?: Logger },
): MessageBus {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const channelOf = (topic: string) => `${options.prefix}bus:${topic}`;
  subscriber.on('message', (channel: string, message: string) => {
    const topic = channel.startsWith(`${options.prefix}bus:`)
      ? channel.slice(`${options.prefix}bus:`.length)
      : undefined;
    const set = topic ? listeners.get(topic) : undefined;
    if (!set) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      return void options.logger?.warn({ channel }, 'ignored a malformed bus message');
    }
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        options.logger?.error({ channel, err: (error as Error).message }, 'bus listener failed');
      }
    }
  });
  const subscribed = new Map<string, Promise<unknown>>();
  return {
    async publish(topic, payload) {
      await subscribed.get(topic); // our own listeners must be subscribed before we publish
      await redis.publish(channelOf(topic), JSON.stringify(payload));
    },
    subscribe(topic, listener) {
      const set = listeners.get(topic) ?? new Set();
      set.add(listener);
      listeners.set(topic, set);
      if (!subscribed.has(topic))
        subscribed.set(
          topic,
          subscriber
            .subscribe(channelOf(topic))
            .catch((error) => options.logger?.error({ topic, err: (error as Error).message }, 'bus subscribe failed')),
        );
      return () => set.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
