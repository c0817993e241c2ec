import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';

export interface KeyValueStateFixture {
  /** A handle on the shared state: for Redis each call is another process; in one process, the same map. */
  open(): Promise<KeyValueState>;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One suite, every KeyValueState implementation (in-process memory and Redis). */
export function keyValueStateContract(name: string, setup: () => Promise<KeyValueStateFixture>): void {
  describe(`KeyValueState contract: ${name}`, () => {
    let fixture: KeyValueStateFixture;
    let kv: KeyValueState;
    let other: KeyValueState;
    const key = () => `key-${randomUUID()}`;
    const poll = { timeout: 3_000, interval: 20 };

    beforeAll(async () => {
      fixture = await setup();
      kv = await fixture.open();
      other = await fixture.open();
    });
    afterAll(async () => {
      await fixture.cleanup();
    });

    it('lets exactly one of 20 concurrent callers set a key, whichever process they are in', async () => {
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? kv : other).setIfAbsent(k, `caller-${i}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await kv.get(k)).toBe(`caller-${winner}`);
      expect(await other.get(k)).toBe(`caller-${winner}`);
    });

    it('forgets a key once its TTL has passed, after which it can be set again', async () => {
      const k = key();
      expect(await kv.setIfAbsent(k, 'first', 100)).toBe(true);
      expect(await kv.setIfAbsent(k, 'second', 100)).toBe(false);
      await expect.poll(() => kv.get(k), poll).toBeUndefined();
      expect(await other.setIfAbsent(k, 'third', 10_000)).toBe(true);
      expect(await kv.get(k)).toBe('third');
    });

    it('returns undefined for a missing key, and deletes (a missing key harmlessly)', async () => {
      const k = key();
      expect(await kv.get(k)).toBeUndefined();
      await kv.setIfAbsent(k, 'v', 10_000);
      await other.delete(k);
      expect(await kv.get(k)).toBeUndefined();
      await expect(kv.delete(key())).resolves.toBeUndefined();
      expect(await kv.setIfAbsent(k, 'again', 10_000)).toBe(true);
    });

    it('counts: 20 concurrent increments each see a distinct running total', async () => {
      const k = key();
      const totals = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? kv : other).increment(k, 1, 10_000)),
      );
      expect([...totals].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await kv.get(k)).toBe('20');
      expect(await other.increment(k, -5, 10_000)).toBe(15);
    });

    it('sets a counter’s TTL when it creates it; later increments do not extend it', async () => {
      const k = key();
      expect(await kv.increment(k, 1, 200)).toBe(1);
      await sleep(50);
      expect(await other.increment(k, 2, 60_000)).toBe(3);
      await expect.poll(() => kv.get(k), poll).toBeUndefined();
      expect(await kv.increment(k, 1, 10_000)).toBe(1);
    });
  });
}
