import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationJob, JobQueue } from '../../src/queue/job-queue.ts';

export interface JobQueueFixture {
  queue: JobQueue;
  /** Jobs that failed for good as operators see them: onError reports (in-process), dead letters (Redis). */
  failures(): Promise<{ messageId: string; error: string }[]>;
  cleanup(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails with a readable message instead of the test's generic timeout when work never finishes. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `conversations` conversations of `perConversation` jobs each; message ids say conversation and sequence. */
export function jobsFor(conversations: number, perConversation: number): ConversationJob[][] {
  return Array.from({ length: conversations }, (_, c) =>
    Array.from({ length: perConversation }, (_, seq) => ({
      messageId: `c${c}#${seq}`,
      conversationKey: `webchat:c${c}`,
    })),
  );
}

/** Enqueues each conversation's jobs in order, different conversations concurrently (as webhooks would). */
export async function enqueueAll(byConversation: ConversationJob[][], pick: (c: number) => JobQueue): Promise<void> {
  await Promise.all(
    byConversation.map(async (jobs, c) => {
      for (const job of jobs) await pick(c).enqueue(job);
    }),
  );
}

/**
 * A handler that records what ran and checks, as it goes, that no two jobs of one conversation ever
 * overlap and that each conversation's jobs start in sequence.
 */
export function recordingHandler(delayMs = () => Math.random() * 2) {
  const ran: string[] = [];
  const running = new Set<string>();
  const violations: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const handler = async (job: ConversationJob) => {
    if (running.has(job.conversationKey)) violations.push(`${job.messageId} overlapped its conversation`);
    running.add(job.conversationKey);
    maxConcurrent = Math.max(maxConcurrent, ++concurrent);
    ran.push(job.messageId);
    await sleep(delayMs());
    concurrent -= 1;
    running.delete(job.conversationKey);
  };
  return { handler, ran, violations, maxConcurrent: () => maxConcurrent };
}

/** Per conversation, the sequence numbers in the order they ran. */
export function sequences(ran: string[]): Map<string, number[]> {
  const byConversation = new Map<string, number[]>();
  for (const id of ran) {
    const [conversation = '', seq = ''] = id.split('#');
    byConversation.set(conversation, [...(byConversation.get(conversation) ?? []), Number(seq)]);
  }
  return byConversation;
}

/** One suite, every JobQueue implementation (in-process and Redis Streams). */
export function jobQueueContract(name: string, open: () => Promise<JobQueueFixture>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fixture: JobQueueFixture;
    let queue: JobQueue;

    beforeEach(async () => {
      fixture = await open();
      queue = fixture.queue;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('runs 1,000 jobs over 100 conversations each exactly once, in order per conversation, conversations in parallel', async () => {
      const recorder = recordingHandler();
      queue.start(recorder.handler);
      await enqueueAll(jobsFor(100, 10), () => queue);
      await within(10_000, 'the queue going idle', queue.idle());
      expect(recorder.ran).toHaveLength(1000);
      expect(new Set(recorder.ran).size).toBe(1000);
      const ordered = Array.from({ length: 10 }, (_, i) => i);
      for (const [conversation, seqs] of sequences(recorder.ran)) expect(seqs, conversation).toEqual(ordered);
      expect(recorder.violations).toEqual([]);
      expect(recorder.maxConcurrent()).toBeGreaterThan(1);
    });

    it('keeps jobs enqueued before start, counts them in depth(), and runs them once started', async () => {
      await enqueueAll(jobsFor(1, 3), () => queue);
      expect(queue.depth()).toBe(3);
      const recorder = recordingHandler(() => 0);
      queue.start(recorder.handler);
      await within(10_000, 'the queue going idle', queue.idle());
      expect(recorder.ran).toEqual(['c0#0', 'c0#1', 'c0#2']);
      expect(queue.depth()).toBe(0);
    });

    it('reports a job that keeps failing, with its error, and still runs the conversation’s later jobs', async () => {
      const ran: string[] = [];
      queue.start(async (job) => {
        ran.push(job.messageId);
        if (job.messageId === 'bad') throw new Error('LLM provider unavailable');
      });
      await queue.enqueue({ messageId: 'bad', conversationKey: 'telegram:1' });
      await queue.enqueue({ messageId: 'after', conversationKey: 'telegram:1' });
      await within(10_000, 'the queue going idle', queue.idle());
      expect(await fixture.failures()).toEqual([
        { messageId: 'bad', error: expect.stringContaining('LLM provider unavailable') },
      ]);
      expect(ran.at(-1)).toBe('after');
      expect(ran.filter((id) => id === 'after')).toHaveLength(1);
    });

    it('on stop, finishes the job in hand and then refuses new ones', async () => {
      let started = false;
      let finished = false;
      queue.start(async () => {
        started = true;
        await sleep(150);
        finished = true;
      });
      await queue.enqueue({ messageId: 'm1', conversationKey: 'webchat:slow' });
      await expect.poll(() => started, { timeout: 5_000, interval: 10 }).toBe(true);
      await queue.stop(5_000);
      expect(finished).toBe(true);
      await expect(queue.enqueue({ messageId: 'm2', conversationKey: 'webchat:slow' })).rejects.toThrow(/stopped/);
    });
  });
}
