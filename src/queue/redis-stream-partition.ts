import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../shared/logger.ts';
import type { ConversationJob, JobHandler } from './job-queue.ts';

/**
 * The work of one leased partition of the Redis job queue (see redis-job-queue.ts for the lease scheme):
 * first the entries a previous owner left un-acknowledged, then new entries, strictly one at a time —
 * which is what keeps a conversation's messages in order across processes.
 */
export const GROUP = 'workers';
/** Dead letters kept for operators; MAXLEN ~ lets Redis trim whole nodes cheaply. */
const DEAD_LETTER_CAP = 10_000;
const ERROR_TEXT_MAX = 2_000;

export interface PartitionWorkerContext {
  redis: Redis;
  consumerName: string;
  deadKey: string;
  maxAttempts: number;
  retryBaseMs: number;
  blockMs: number;
  /** How often the owner re-checks the pending list between entries (see recover). */
  recoverEveryMs: number;
  logger?: Logger;
  handler(): JobHandler | undefined;
  /** A simulated crash: stop without acknowledging anything. */
  abandoned(): boolean;
  /** An entry left the stream (done or dead-lettered). */
  onSettled(): void;
}

export interface PartitionLease {
  partition: number;
  stream: string;
  /** A connection of its own: XREADGROUP … BLOCK holds its connection until it returns. */
  reader: Redis;
  /** True while the lease is ours and will still be when a blocking read started now returns. */
  holding(): boolean;
}

interface StreamEntry {
  id: string;
  fields: string[];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** XREADGROUP / XCLAIM / XRANGE reply: [[id, [field, value, …]], …]; deleted entries may appear as nil. */
export function toEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown) =>
    Array.isArray(item) && typeof item[0] === 'string' && Array.isArray(item[1])
      ? [{ id: item[0], fields: item[1].map(String) }]
      : [],
  );
}

export function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export function parseJob(text: string | undefined): ConversationJob | undefined {
  try {
    const job: unknown = JSON.parse(text ?? '');
    if (typeof job === 'object' && job !== null && 'messageId' in job && 'conversationKey' in job) {
      const { messageId, conversationKey } = job;
      if (typeof messageId === 'string' && typeof conversationKey === 'string') return { messageId, conversationKey };
    }
  } catch {
    // Not JSON: reported as a malformed payload by the caller.
  }
  return undefined;
}

/** MULTI replies carry per-command errors instead of rejecting; surface the first one. */
export async function execAll(multi: ChainableCommander): Promise<unknown[]> {
  const replies = await multi.exec();
  if (!replies) throw new Error('Redis transaction was aborted');
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export async function workPartition(ctx: PartitionWorkerContext, lease: PartitionLease): Promise<void> {
  const { redis, consumerName, logger } = ctx;
  const key = lease.stream;
  let recoveredAt = 0;

  /**
   * XPENDING lists un-acknowledged entries of every consumer in the group, oldest first: what a crashed or
   * evicted owner had read but not finished. XCLAIM with min-idle 0 moves them to us (we hold the lease, so
   * nobody else may work on them) and returns their fields; entries deleted meanwhile are not returned.
   * Re-run every so often: a reader that lost its lease mid-BLOCK may have been handed an entry since.
   * @see https://redis.io/docs/latest/commands/xpending/ and https://redis.io/docs/latest/commands/xclaim/
   */
  async function recover(): Promise<void> {
    recoveredAt = Date.now();
    while (lease.holding()) {
      const pending = (await redis.xpending(key, GROUP, '-', '+', 100)) as [string, string, number, number][];
      if (pending.length === 0) return;
      logger?.info({ stream: key, entries: pending.length }, 'taking over unacknowledged jobs');
      const ids = pending.map(([id]) => id);
      const claimed = new Map(toEntries(await redis.xclaim(key, GROUP, consumerName, 0, ...ids)).map((e) => [e.id, e]));
      for (const [id, , , deliveries] of pending) {
        if (!lease.holding()) return;
        const entry = claimed.get(id);
        if (entry) await handle(entry, deliveries);
        else await redis.xack(key, GROUP, id); // trimmed from the stream: nothing left to run
      }
    }
  }

  async function read(): Promise<StreamEntry | undefined> {
    try {
      // '>' = entries never delivered to this group. COUNT 1: nothing sits read-but-unstarted in our
      // pending list when the lease changes hands, so a graceful hand-over re-delivers nothing.
      const reply = await lease.reader.xreadgroup(
        'GROUP',
        GROUP,
        consumerName,
        'COUNT',
        1,
        'BLOCK',
        ctx.blockMs,
        'STREAMS',
        key,
        '>',
      );
      const streams = reply as [string, unknown][] | null;
      return toEntries(streams?.[0]?.[1])[0];
    } catch (error) {
      if (!lease.holding()) return undefined; // we disconnected the reader on purpose
      const message = (error as Error).message;
      if (message.includes('NOGROUP')) throw error; // the next lease round re-creates the group
      logger?.warn({ stream: key, err: message }, 'job stream read failed');
      await sleep(Math.min(ctx.blockMs, 1_000));
      return undefined;
    }
  }

  async function finish(entry: StreamEntry, deadLetter?: { error: string; attempts: number }): Promise<void> {
    const multi = redis.multi();
    if (deadLetter) {
      const fields = ['stream', key, 'entryId', entry.id, 'job', fieldOf(entry.fields, 'job') ?? ''];
      fields.push('error', deadLetter.error.slice(0, ERROR_TEXT_MAX), 'attempts', String(deadLetter.attempts));
      multi.xadd(ctx.deadKey, 'MAXLEN', '~', DEAD_LETTER_CAP, '*', ...fields, 'failedAt', new Date().toISOString());
    }
    // One MULTI: the entry is acknowledged and deleted (so XLEN counts only unfinished work) together
    // with its dead letter — never acknowledged without one, never dead-lettered and still pending.
    await execAll(multi.xack(key, GROUP, entry.id).xdel(key, entry.id));
    ctx.onSettled();
  }

  async function handle(entry: StreamEntry, previousDeliveries: number): Promise<void> {
    const job = parseJob(fieldOf(entry.fields, 'job'));
    if (!job) return finish(entry, { error: 'malformed job payload', attempts: 0 });
    // The delivery counter grows only when a read or a takeover hands the entry out again, so a high count
    // means processes keep dying on this job: stop the crash loop instead of feeding it.
    if (previousDeliveries > ctx.maxAttempts)
      return finish(entry, {
        error: `delivered ${previousDeliveries} times without being acknowledged (its process crashed or lost its lease)`,
        attempts: previousDeliveries,
      });
    const handler = ctx.handler();
    if (!handler) return;
    for (let attempt = 1; ; attempt++) {
      let failure: string | undefined;
      try {
        await handler(job);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      if (ctx.abandoned()) return;
      if (failure === undefined) return finish(entry);
      if (attempt >= ctx.maxAttempts) {
        logger?.error({ messageId: job.messageId, attempts: attempt, err: failure }, 'job dead-lettered');
        return finish(entry, { error: failure, attempts: attempt });
      }
      logger?.warn({ messageId: job.messageId, attempt, err: failure }, 'job failed; retrying');
      // Retrying in place holds up the partition, which is the point: later messages of this conversation
      // must not overtake the failing one.
      await sleep(ctx.retryBaseMs * 2 ** (attempt - 1));
      if (!lease.holding()) return; // left pending: the next owner retries it
    }
  }

  while (lease.holding()) {
    if (Date.now() - recoveredAt >= ctx.recoverEveryMs) await recover();
    const entry = lease.holding() ? await read() : undefined;
    if (entry) await handle(entry, 0);
  }
}
