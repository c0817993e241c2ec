import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../adapters/telegram/config.ts';
import { createRateLimiter } from '../../../adapters/telegram/rate-limiter.ts';
import { createMemoryKeyValueState } from '../../../src/queue/key-value-state.ts';

/** A clock that only moves when the limiter sleeps: every send's time is exact, no real waiting. */
function fakeTime() {
  let t = 3_000_000; // aligned with the limiter's windows
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

describe('Telegram rate limiter (shared key-value state)', () => {
  it('lets a broadcast to 100 patients through at no more than 24 messages in any second (Telegram allows ~30)', async () => {
    const time = fakeTime();
    const limiter = createRateLimiter({
      kv: createMemoryKeyValueState(time.now),
      prefix: 't:',
      limits: DEFAULT_LIMITS,
      ...time,
    });
    const sentAt: number[] = [];
    for (let chat = 0; chat < 100; chat++) {
      await limiter.acquire(String(chat));
      sentAt.push(time.now());
    }
    for (const start of sentAt) {
      const inSecond = sentAt.filter((t) => t >= start && t < start + 1000).length;
      expect(inSecond).toBeLessThanOrEqual(24);
    }
    // …and does not crawl: 100 messages take about 5 seconds.
    expect((sentAt.at(-1) as number) - (sentAt[0] as number)).toBeLessThan(6000);
  });

  it('paces one chat to about a message a second, after a short burst', async () => {
    const time = fakeTime();
    const limiter = createRateLimiter({
      kv: createMemoryKeyValueState(time.now),
      prefix: 't:',
      limits: DEFAULT_LIMITS,
      ...time,
    });
    const sentAt: number[] = [];
    for (let i = 0; i < 30; i++) {
      await limiter.acquire('42');
      sentAt.push(time.now() - 3_000_000);
    }
    expect(sentAt.slice(0, 3)).toEqual([0, 0, 0]); // a reply of a few messages is not held up
    expect(sentAt.at(-1)).toBeGreaterThanOrEqual(27_000); // 30 messages: about a second each
  });

  it('holds across processes sharing the same state', async () => {
    const time = fakeTime();
    const kv = createMemoryKeyValueState(time.now);
    const a = createRateLimiter({ kv, prefix: 't:', limits: DEFAULT_LIMITS, ...time });
    const b = createRateLimiter({ kv, prefix: 't:', limits: DEFAULT_LIMITS, ...time });
    const windows = new Map<number, number>();
    for (let i = 0; i < 12; i++) {
      await (i % 2 ? a : b).acquire('7');
      const w = Math.floor(time.now() / 3000);
      windows.set(w, (windows.get(w) ?? 0) + 1);
    }
    expect([...windows.values()]).toEqual([3, 3, 3, 3]);
  });
});
