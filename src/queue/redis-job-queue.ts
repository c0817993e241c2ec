import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.ts';
import type { JobHandler, JobQueue } from './job-queue.ts';
import { REDIS_KEY_PREFIX, watchRedisConnection } from './redis-connection.ts';
import {
  execAll,
  fieldOf,
  GROUP,
  type PartitionLease,
  parseJob,
  sleep,
  workPartition,
} from './redis-stream-partition.ts';

/**
 * The job queue for several processes, on Redis Streams.
 *
 * A conversation's jobs always go to one partition, a stream chosen by hash(conversationKey). Each partition
 * is worked by exactly one process at a time, the holder of its lease (SET NX PX, renewed every leaseMs/3),
 * one entry at a time: so a conversation's messages run in order whichever process runs them, and
 * different partitions run concurrently. A heartbeat set of live processes gives each its fair share,
 * ceil(partitions / live): a process above its share lets partitions go (after the entry in hand), one
 * below it takes free ones. When a process dies its leases expire; the next holder first re-runs what the
 * dead one had read but not acknowledged (at-least-once: a job may run twice after a crash, never zero times).
 *
 * Every process must use the same `partitions` and `prefix`, and a consumerName unique among live processes.
 */
export interface RedisJobQueueOptions {
  prefix?: string;
  consumerName: string;
  partitions?: number;
  leaseMs?: number;
  /** Handler runs per job before it is dead-lettered. */
  maxAttempts?: number;
  /** First retry delay; doubles with each attempt. */
  retryBaseMs?: number;
  /** How long one XREADGROUP waits for new entries (capped at leaseMs / 3). */
  blockMs?: number;
  logger?: Logger;
}

export interface DeadLetter {
  id: string;
  messageId?: string;
  conversationKey?: string;
  error: string;
  attempts: number;
  failedAt: string;
  stream: string;
  entryId: string;
}

export interface RedisJobQueue extends JobQueue {
  /** Newest first: jobs that failed maxAttempts times, with their last error. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Partitions this process works now (diagnostics, tests). */
  leasedPartitions(): number[];
  /** Tests only: stop as a crash would — no acknowledgement, no lease released, connections dropped. */
  abandon(): void;
}

/** Compare-and-renew / compare-and-delete: only the holder touches its lease (@see https://redis.io/docs/latest/develop/use/patterns/distributed-locks/). */
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const IDLE_POLL_MS = 25;

/** FNV-1a (32 bit) over UTF-8: the same partition in every process and every Node version. */
export function partitionOf(conversationKey: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(conversationKey, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % partitions;
}

interface Lease extends PartitionLease {
  renewedAt: number;
  letGo: boolean;
  done: Promise<void>;
}

export function createRedisJobQueue(redis: Redis, options: RedisJobQueueOptions): RedisJobQueue {
  const { consumerName, partitions = 16, leaseMs = 15_000, maxAttempts = 5, logger } = options;
  const blockMs = Math.min(options.blockMs ?? 2_000, Math.floor(leaseMs / 3));
  const prefix = options.prefix ?? REDIS_KEY_PREFIX;
  const streamOf = (p: number) => `${prefix}jobs:${p}`;
  const leaseKey = (p: number) => `${prefix}jobs:lease:${p}`;
  const consumersKey = `${prefix}jobs:consumers`;
  const deadKey = `${prefix}dead`;
  const all = Array.from({ length: partitions }, (_, p) => p);
  const leases = new Map<number, Lease>();
  let handler: JobHandler | undefined;
  let started = false;
  let stopped = false;
  let abandoned = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking = Promise.resolve();
  let depthSnapshot = 0;
  let groups: Promise<void> | undefined;

  const ensureGroups = () =>
    (groups ??= Promise.all(
      all.map((p) =>
        // From id 0 so entries enqueued before any worker started are included. MKSTREAM: the stream may not exist yet.
        redis.xgroup('CREATE', streamOf(p), GROUP, '0', 'MKSTREAM').catch((error: Error) => {
          if (!error.message.startsWith('BUSYGROUP')) throw error;
        }),
      ),
    ).then(
      () => undefined,
      (error: unknown) => {
        groups = undefined; // try again on the next tick
        throw error;
      },
    ));

  const measureDepth = async () => {
    // Entries are deleted once acknowledged, so XLEN = waiting + in progress.
    const lengths = await execAll(all.reduce((pipe, p) => pipe.xlen(streamOf(p)), redis.pipeline()));
    depthSnapshot = lengths.reduce<number>((sum, n) => sum + Number(n), 0);
    return depthSnapshot;
  };

  const worker = {
    redis,
    consumerName,
    deadKey,
    maxAttempts,
    retryBaseMs: options.retryBaseMs ?? 200,
    blockMs,
    recoverEveryMs: Math.floor(leaseMs / 3),
    logger,
    handler: () => handler,
    abandoned: () => abandoned,
    onSettled: () => {
      depthSnapshot = Math.max(0, depthSnapshot - 1);
    },
  };

  function letGo(lease: Lease): void {
    lease.letGo = true;
    lease.reader.disconnect(); // ends a blocking XREADGROUP at once; the entry in hand, if any, finishes first
  }

  function begin(partition: number, acquiredAt: number): void {
    const reader = redis.duplicate({ connectionName: `${consumerName}:jobs:${partition}` });
    const lease: Lease = {
      partition,
      stream: streamOf(partition),
      reader: watchRedisConnection(reader, `${consumerName}:jobs:${partition}`, logger),
      renewedAt: acquiredAt,
      letGo: false,
      // The lease must outlive a read started now: a read returning after expiry could take an entry
      // that by then belongs to the next holder.
      holding: () => !lease.letGo && !stopped && Date.now() + blockMs < lease.renewedAt + leaseMs,
      done: Promise.resolve(),
    };
    leases.set(partition, lease);
    lease.done = workPartition(worker, lease)
      .catch((error: Error) => {
        // NOGROUP: Redis lost its data (restarted without persistence) and XADD recreated the stream bare.
        if (error.message.includes('NOGROUP')) groups = undefined;
        logger?.error({ partition, err: error.message }, 'job partition worker failed');
      })
      .then(async () => {
        reader.disconnect();
        if (!abandoned) await redis.eval(RELEASE_SCRIPT, 1, leaseKey(partition), consumerName).catch(() => {});
        leases.delete(partition);
      });
  }

  async function renew(): Promise<void> {
    const held = [...leases.values()].filter((l) => !l.letGo);
    if (held.length === 0) return;
    const sentAt = Date.now(); // the lease is good for leaseMs from no earlier than this
    const pipe = held.reduce(
      (p, l) => p.eval(RENEW_SCRIPT, 1, leaseKey(l.partition), consumerName, leaseMs),
      redis.pipeline(),
    );
    const replies = await execAll(pipe);
    held.forEach((lease, i) => {
      if (replies[i] === 1) lease.renewedAt = sentAt;
      else {
        logger?.warn({ partition: lease.partition }, 'job partition lease lost');
        letGo(lease);
      }
    });
  }

  async function tick(): Promise<void> {
    await ensureGroups();
    const now = Date.now();
    // Heartbeat: members scored by their expiry, so crashed processes drop out by themselves.
    const [, , live] = await execAll(
      redis
        .multi()
        .zadd(consumersKey, now + leaseMs, consumerName)
        .zremrangebyscore(consumersKey, '-inf', now)
        .zcard(consumersKey),
    );
    const quota = Math.ceil(partitions / Math.max(1, Number(live)));
    await renew();
    const held = [...leases.values()].filter((l) => !l.letGo);
    for (const lease of held.slice(quota)) letGo(lease);
    let count = Math.min(held.length, quota);
    const offset = Math.floor(Math.random() * partitions); // processes don't all race for partition 0 first
    for (let i = 0; i < partitions && count < quota && !stopped; i++) {
      const p = (offset + i) % partitions;
      if (leases.has(p)) continue;
      const at = Date.now();
      // SET NX PX: one process wins a free or expired lease (@see https://redis.io/docs/latest/commands/set/).
      if ((await redis.set(leaseKey(p), consumerName, 'PX', leaseMs, 'NX')) !== 'OK') continue;
      if (stopped) {
        await redis.eval(RELEASE_SCRIPT, 1, leaseKey(p), consumerName);
        break;
      }
      begin(p, at);
      count++;
    }
    await measureDepth();
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((error: Error) => logger?.warn({ err: error.message }, 'job queue lease round failed'))
        .finally(schedule);
    }, leaseMs / 3);
    timer.unref();
  }

  return {
    async enqueue(job) {
      if (stopped) throw new Error('queue is stopped');
      const fields = JSON.stringify({ messageId: job.messageId, conversationKey: job.conversationKey });
      // No MAXLEN: entries leave the stream when done, so trimming could only drop unprocessed jobs.
      await redis.xadd(streamOf(partitionOf(job.conversationKey, partitions)), '*', 'job', fields);
      depthSnapshot += 1;
    },
    start(h) {
      handler = h;
      if (started || stopped) return;
      started = true;
      ticking = tick()
        .catch((error: Error) => logger?.warn({ err: error.message }, 'job queue lease round failed'))
        .finally(schedule);
    },
    async stop(deadlineMs = 10_000) {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      for (const lease of leases.values()) letGo(lease);
      const finished = Promise.all([...leases.values()].map((l) => l.done));
      await Promise.race([finished, sleep(deadlineMs)]);
      // A job still running past the deadline keeps its lease until expiry, so nobody else runs the
      // conversation's next message alongside it.
      await redis.zrem(consumersKey, consumerName).catch(() => {});
    },
    depth: () => depthSnapshot,
    async idle() {
      while ((await measureDepth()) > 0) await sleep(IDLE_POLL_MS);
    },
    async deadLetters(limit = 50) {
      const entries = (await redis.xrevrange(deadKey, '+', '-', 'COUNT', limit)) as [string, string[]][];
      return entries.map(([id, fields]) => {
        const job = parseJob(fieldOf(fields, 'job'));
        return {
          id,
          messageId: job?.messageId,
          conversationKey: job?.conversationKey,
          error: fieldOf(fields, 'error') ?? '',
          attempts: Number(fieldOf(fields, 'attempts') ?? 0),
          failedAt: fieldOf(fields, 'failedAt') ?? '',
          stream: fieldOf(fields, 'stream') ?? '',
          entryId: fieldOf(fields, 'entryId') ?? '',
        };
      });
    },
    leasedPartitions: () => [...leases.values()].filter((l) => !l.letGo).map((l) => l.partition),
    abandon() {
      abandoned = true;
      stopped = true;
      clearTimeout(timer);
      for (const lease of leases.values()) lease.reader.disconnect();
    },
  };
}
