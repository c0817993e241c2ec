import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HandoffQueue, QueueEntry } from '../../src/handoff/handoff-queue.ts';
import type { HandoffEvent } from '../../src/handoff/types.ts';

export interface HandoffQueueFixture {
  /** A queue instance: for Redis each call is another process over the same queue; in one process, the same queue. */
  open(): Promise<HandoffQueue>;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T08:00:00Z');
const entry = (handoffId: string, priority: QueueEntry['priority'], minutesAfterT0: number): QueueEntry => ({
  handoffId,
  priority,
  enqueuedAtMs: T0 + minutesAfterT0 * 60_000,
});

/** One suite, every HandoffQueue implementation (in-process and Redis). */
export function handoffQueueContract(name: string, setup: () => Promise<HandoffQueueFixture>): void {
  describe(`HandoffQueue contract: ${name}`, () => {
    let fixture: HandoffQueueFixture;
    let queue: HandoffQueue;
    let other: HandoffQueue;
    const poll = { timeout: 3_000, interval: 10 };

    beforeEach(async () => {
      fixture = await setup();
      queue = await fixture.open();
      other = await fixture.open();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('lists urgent before high before normal, and the longest waiting first within a priority', async () => {
      await queue.push(entry('normal-old', 'normal', 0));
      await queue.push(entry('high-new', 'high', 30));
      await other.push(entry('urgent-new', 'urgent', 20));
      await queue.push(entry('normal-new', 'normal', 10));
      await other.push(entry('high-old', 'high', 5));
      await queue.push(entry('urgent-old', 'urgent', 15));
      const expected = ['urgent-old', 'urgent-new', 'high-old', 'high-new', 'normal-old', 'normal-new'];
      expect((await queue.list()).map((e) => e.handoffId)).toEqual(expected);
      expect(await other.list()).toContainEqual(entry('high-new', 'high', 30));
      expect(await other.list()).toEqual(await queue.list());
    });

    it('gives 1-based positions in that order, and none to a hand-off not waiting', async () => {
      await queue.push(entry('b', 'normal', 0));
      await queue.push(entry('a', 'urgent', 5));
      expect(await queue.position('a')).toBe(1);
      expect(await other.position('b')).toBe(2);
      expect(await queue.position('nobody')).toBeUndefined();
    });

    it('keeps one entry when a hand-off is queued again (released, escalated) with its new priority', async () => {
      await queue.push(entry('h1', 'normal', 0));
      await queue.push(entry('h2', 'high', 1));
      await other.push(entry('h1', 'urgent', 0));
      expect(await queue.list()).toEqual([entry('h1', 'urgent', 0), entry('h2', 'high', 1)]);
    });

    it('lets exactly one of 20 concurrent claims win, whichever process they come from', async () => {
      await queue.push(entry('contested', 'urgent', 0));
      await queue.push(entry('bystander', 'normal', 0));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? queue : other).claim('contested')),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await other.list()).map((e) => e.handoffId)).toEqual(['bystander']);
      expect(await queue.position('contested')).toBeUndefined();
      expect(await queue.claim('contested')).toBe(false);
    });

    it('removes a hand-off (closed while waiting), and removing one not queued is harmless', async () => {
      await queue.push(entry('h1', 'normal', 0));
      await other.remove('h1');
      await other.remove('never-queued');
      expect(await queue.list()).toEqual([]);
      expect(await queue.claim('h1')).toBe(false);
    });

    it('delivers events published anywhere to every subscriber, its own process included, in order', async () => {
      const heardHere: HandoffEvent[] = [];
      const heardThere: HandoffEvent[] = [];
      queue.subscribe((event) => heardHere.push(event));
      other.subscribe((event) => heardThere.push(event));
      const events: HandoffEvent[] = [
        { kind: 'opened', handoffId: 'h1' },
        { kind: 'claimed', handoffId: 'h1', educatorId: 'e1' },
        { kind: 'patient_message', handoffId: 'h1', messageId: 'm1' },
      ];
      for (const event of events) await queue.publish(event);
      await other.publish({ kind: 'closed', handoffId: 'h1' });
      const all = [...events, { kind: 'closed', handoffId: 'h1' }];
      await expect.poll(() => heardThere, poll).toEqual(all);
      await expect.poll(() => heardHere, poll).toEqual(all);
    });

    it('stops delivering to a listener once it unsubscribes', async () => {
      const gone: HandoffEvent[] = [];
      const staying: HandoffEvent[] = [];
      const unsubscribe = other.subscribe((event) => gone.push(event));
      other.subscribe((event) => staying.push(event));
      unsubscribe();
      await queue.publish({ kind: 'released', handoffId: 'h2' });
      await expect.poll(() => staying, poll).toEqual([{ kind: 'released', handoffId: 'h2' }]);
      expect(gone).toEqual([]);
    });
  });
}
