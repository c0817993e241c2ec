import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { TelegramLimits } from './config.ts';

export interface RateLimiter {
  /** Resolves when one more message may go to this chat without tripping Telegram's flood control. */
  acquire(chatId: string): Promise<void>;
}

export interface RateLimiterOptions {
  kv: KeyValueState;
  /** Key prefix, per bot. */
  prefix: string;
  limits: TelegramLimits;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Fixed-window counters in the shared key-value state, per chat and overall, so the limits hold across
 * processes (Redis) and a broadcast to many patients is paced instead of answered with 429s. A message
 * that doesn't fit waits for the next window; an overall refusal gives the chat's slot back.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { kv, prefix, limits } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    async acquire(chatId) {
      for (;;) {
        const t = now();
        const chatWindow = Math.floor(t / limits.perChat.windowMs);
        const chatKey = `${prefix}chat:${chatId}:${chatWindow}`;
        const inChat = await kv.increment(chatKey, 1, limits.perChat.windowMs * 2);
        if (inChat > limits.perChat.limit) {
          await sleep((chatWindow + 1) * limits.perChat.windowMs - t);
          continue;
        }
        const globalWindow = Math.floor(t / limits.global.windowMs);
        const overall = await kv.increment(`${prefix}all:${globalWindow}`, 1, limits.global.windowMs * 2);
        if (overall > limits.global.limit) {
          await kv.increment(chatKey, -1, limits.perChat.windowMs * 2);
          await sleep((globalWindow + 1) * limits.global.windowMs - t);
          continue;
        }
        return;
      }
    },
  };
}
