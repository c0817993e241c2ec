import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessJobQueue } from '../../src/queue/job-queue.ts';
import { createRedisJobQueue, type RedisJobQueue, type RedisJobQueueOptions } from '../../src/queue/redis-job-queue.ts';
import { redisAvailable } from '../support/services.ts';
import { enqueueAll, jobQueueContract, jobsFor, recordingHandler, sequences, within } from './job-queue.contract.ts';
import { closeRedis, connectRedis, deleteKeys, testPrefix } from './redis-fixture.ts';

jobQueueContract('in-process', async () => {
  const failures: { messageId: string; error: string }[] = [];
  const queue = createInProcessJobQueue({
    onError: (error, job) => failures.push({ messageId: job.messageId, error: (error as Error).message }),
  });
  return { queue, failures: async () => failures, cleanup: () => queue.stop() };
});

const redisOk = await redisAvailable('JobQueue contract on Redis');

/** Small timings so leases expire and retries back off within a test's time. */
const FAST: Omit<RedisJobQueueOptions, 'consumerName'> = {
  leaseMs: 900,
  blockMs: 100,
  maxAttempts: 3,
  retryBaseMs: 10,
};

/** Queue instances as separate processes: own connection, own consumer name, shared prefix. */
function redisProcesses(suite: string) {
  const prefix = testPrefix(suite);
  const connections: Redis[] = [];
  const queues: RedisJobQueue[] = [];
  return {
    prefix,
    open(consumerName: string, options: Partial<RedisJobQueueOptions> = {}) {
      const redis = connectRedis(consumerName);
      const queue = createRedisJobQueue(redis, { ...FAST, prefix, consumerName, ...options });
      connections.push(redis);
      queues.push(queue);
      return { redis, queue };
    },
    async cleanup() {
      await Promise.all(queues.map((q) => q.stop(2_000)));
      await closeRedis(...connections);
      await deleteKeys(prefix);
    },
  };
}

describe.runIf(redisOk)('Redis', () => {
  jobQueueContract('Redis Streams', async () => {
    const processes = redisProcesses('jobs');
    const { queue } = processes.open('contract');
    const failures = async () =>
      (await queue.deadLetters(100)).map((d) => ({ messageId: d.messageId ?? '', error: d.error }));
    return { queue, failures, cleanup: () => processes.cleanup() };
  });

  describe('Redis job queue across processes', () => {
    let processes: ReturnType<typeof redisProcesses>;
    afterEach(async () => {
      await processes.cleanup();
    });

    it('retries a failing job with backoff up to maxAttempts, then dead-letters it with its error', async () => {
      processes = redisProcesses('jobs-dead');
      const { queue } = processes.open('worker');
      const attempts = new Map<string, number>();
      queue.start(async (job) => {
        const n = (attempts.get(job.messageId) ?? 0) + 1;
        attempts.set(job.messageId, n);
        if (job.messageId === 'poison') throw new Error(`handler failed on attempt ${n}`);
        if (job.messageId === 'flaky' && n < 3) throw new Error('transient');
      });
      await queue.enqueue({ messageId: 'poison', conversationKey: 'whatsapp:62811' });
      await queue.enqueue({ messageId: 'flaky', conversationKey: 'whatsapp:62811' });
      await within(10_000, 'the queue going idle', queue.idle());
      expect(Object.fromEntries(attempts)).toEqual({ poison: 3, flaky: 3 });
      const dead = await queue.deadLetters(10);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        messageId: 'poison',
        conversationKey: 'whatsapp:62811',
        error: 'handler failed on attempt 3',
        attempts: 3,
      });
      expect(queue.depth()).toBe(0);
    });

    it('shares the streams between two processes: each job runs once, in order per conversation', async () => {
      processes = redisProcesses('jobs-shared');
      const a = processes.open('process-a').queue;
      const b = processes.open('process-b').queue;
      const recorder = recordingHandler();
      const byProcess = { a: 0, b: 0 };
      a.start((job) => recorder.handler(job).then(() => void byProcess.a++));
      b.start((job) => recorder.handler(job).then(() => void byProcess.b++));
      // Each takes its fair half of the 16 partitions (the first to start gives some up to the other).
      await expect
        .poll(() => [a.leasedPartitions().length, b.leasedPartitions().length], { timeout: 5_000 })
        .toEqual([8, 8]);
      await enqueueAll(jobsFor(100, 10), (c) => (c % 2 ? a : b));
      await within(10_000, 'both processes going idle', Promise.all([a.idle(), b.idle()]));
      expect(recorder.ran).toHaveLength(1000);
      expect(new Set(recorder.ran).size).toBe(1000);
      for (const [conversation, seqs] of sequences(recorder.ran))
        expect(seqs, conversation).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(recorder.violations).toEqual([]);
      expect(byProcess.a).toBeGreaterThan(0);
      expect(byProcess.b).toBeGreaterThan(0);
    });

    it('hands partitions over without loss or reordering while processes join and leave mid-stream', async () => {
      processes = redisProcesses('jobs-rebalance');
      const recorder = recordingHandler(() => 15);
      const ranBy = { a: 0, b: 0, c: 0 };
      const start = (name: keyof typeof ranBy) => {
        const { queue } = processes.open(`process-${name}`);
        queue.start((job) => recorder.handler(job).then(() => void ranBy[name]++));
        return queue;
      };
      const a = start('a');
      const sending = enqueueAll(jobsFor(20, 50), () => a);
      await expect.poll(() => recorder.ran.length, { timeout: 5_000 }).toBeGreaterThan(50);
      const b = start('b');
      await expect.poll(() => ranBy.b, { timeout: 5_000 }).toBeGreaterThan(0);
      const c = start('c');
      await expect.poll(() => ranBy.c, { timeout: 5_000 }).toBeGreaterThan(0);
      await b.stop(5_000); // a graceful leave: its partitions go back to the others
      await sending;
      await within(15_000, 'the remaining processes going idle', Promise.all([a.idle(), c.idle()]));
      expect(recorder.ran).toHaveLength(1000);
      expect(new Set(recorder.ran).size).toBe(1000);
      for (const [conversation, seqs] of sequences(recorder.ran))
        expect(seqs, conversation).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(recorder.violations).toEqual([]);
      expect(ranBy.a + ranBy.b + ranBy.c).toBe(1000);
    });

    it('after a crash, another process takes over once the lease expires and re-runs the unacknowledged job', async () => {
      processes = redisProcesses('jobs-crash');
      const leaseMs = FAST.leaseMs ?? 900;
      const crashed = processes.open('process-a', { partitions: 4 });
      const ranByA: string[] = [];
      let unblock = () => {};
      const hang = new Promise<void>((resolve) => {
        unblock = resolve;
      });
      crashed.queue.start(async (job) => {
        ranByA.push(job.messageId);
        if (job.messageId === 'c0#0') await hang; // in hand when the process dies
      });
      await expect.poll(() => crashed.queue.leasedPartitions().length, { timeout: 5_000 }).toBe(4);
      const jobs = jobsFor(10, 5);
      await enqueueAll(jobs, () => crashed.queue);
      await expect.poll(() => ranByA.includes('c0#0'), { timeout: 5_000 }).toBe(true);

      // The crash: no more lease renewals, connections gone, c0#0 never acknowledged.
      crashed.queue.abandon();
      crashed.redis.disconnect();
      const crashedAt = Date.now();

      const survivor = processes.open('process-b', { partitions: 4 }).queue;
      const ranByB: string[] = [];
      let tookOverAfterMs = 0;
      survivor.start(async (job) => {
        if (job.messageId === 'c0#0') tookOverAfterMs = Date.now() - crashedAt;
        ranByB.push(job.messageId);
      });
      await within(10_000, 'the survivor finishing every job', survivor.idle());
      unblock();

      expect(ranByB).toContain('c0#0');
      // The lease, renewed at most leaseMs/3 before the crash, protected the partition until it expired.
      expect(tookOverAfterMs).toBeGreaterThanOrEqual(leaseMs / 2);
      // At least once: every job ran somewhere (a job may have run in both, never in neither).
      const everyJob = jobs.flat().map((j) => j.messageId);
      expect(everyJob.filter((id) => !ranByA.includes(id) && !ranByB.includes(id))).toEqual([]);
      // Order held within each process's share, and the survivor ran c0 from its first message on.
      for (const ran of [ranByA, ranByB])
        for (const [conversation, seqs] of sequences(ran))
          expect(seqs, conversation).toEqual([...seqs].sort((x, y) => x - y));
      expect(sequences(ranByB).get('c0')).toEqual([0, 1, 2, 3, 4]);
      expect(survivor.leasedPartitions()).toHaveLength(4);
    });
  });
});
