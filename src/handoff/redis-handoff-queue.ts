import type { Logger } from '../shared/logger.ts';
import type { HandoffQueue, QueueEntry } from './handoff-queue.ts';
import { type HandoffEvent, type HandoffPriority, PRIORITY_RANK } from './types.ts';

/**
 * The few Redis commands this queue uses. An ioredis client satisfies them structurally (src/app.ts wires
 * one in), so this domain folder imports no driver (DESIGN.md convention 1, tests/unit/import-boundaries).
 */
export interface HandoffRedisCommands {
  zadd(key: string, score: number, member: string): Promise<number | string | null>;
  zrem(key: string, member: string): Promise<number>;
  zrange(key: string, start: number, stop: number, withScores: 'WITHSCORES'): Promise<string[]>;
  zrank(key: string, member: string): Promise<number | null>;
  publish(channel: string, message: string): Promise<number>;
}

/** A connection in subscriber mode: Redis allows only (P)SUBSCRIBE-family commands on it. */
export interface HandoffRedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  quit(): Promise<unknown>;
}

export interface RedisHandoffQueue extends HandoffQueue {
  /** Resolves once this instance's SUBSCRIBE is confirmed: from then on it hears every publish. */
  ready(): Promise<void>;
}

/**
 * Score = priority rank × 10¹³ + enqueuedAtMs: ZRANGE's ascending order is then urgent before high before
 * normal, oldest first within a priority. Milliseconds stay below 10¹³ until the year 2286 and the largest
 * score (≈ 2.2 × 10¹³) is far below 2⁵³, so scores are exact integers in Redis' doubles and decode back.
 */
const RANK_SPAN = 1e13;
const SUBSCRIBE_RETRY_MS = 1_000;
const PRIORITY_BY_RANK = Object.fromEntries(Object.entries(PRIORITY_RANK).map(([p, rank]) => [rank, p])) as Record<
  number,
  HandoffPriority
>;

export function scoreOf(entry: QueueEntry): number {
  return PRIORITY_RANK[entry.priority] * RANK_SPAN + entry.enqueuedAtMs;
}

function entryOf(handoffId: string, score: number): QueueEntry | undefined {
  const rank = Math.floor(score / RANK_SPAN);
  const priority = PRIORITY_BY_RANK[rank];
  return priority ? { handoffId, priority, enqueuedAtMs: score - rank * RANK_SPAN } : undefined;
}

function parseEvent(message: string): HandoffEvent | undefined {
  try {
    const event: unknown = JSON.parse(message);
    if (typeof event === 'object' && event !== null && 'kind' in event && 'handoffId' in event)
      return event as HandoffEvent;
  } catch {
    // Fall through: a malformed message (another app on the channel, a bad deploy) is dropped, not thrown.
  }
  return undefined;
}

export function createRedisHandoffQueue(
  redis: HandoffRedisCommands,
  subscriber: HandoffRedisSubscriber,
  options: { prefix: string; logger?: Logger },
): RedisHandoffQueue {
  const queueKey = `${options.prefix}handoff:queue`;
  const channel = `${options.prefix}handoff:events`;
  const listeners = new Set<(event: HandoffEvent) => void>();
  const logger = options.logger;

  // Pub/sub fans out to every subscribed connection, this process's own included, so local consoles hear
  // local events through the same path as remote ones: one delivery order for everyone.
  subscriber.on('message', (from, message) => {
    if (from !== channel) return;
    const event = parseEvent(message);
    if (!event) return void logger?.warn({ channel }, 'ignored a malformed handoff event');
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        logger?.error({ err: (error as Error).message, kind: event.kind }, 'handoff event listener failed');
      }
    }
  });
  // Subscribe once, eagerly: SUBSCRIBE is asynchronous, and an event published before it is confirmed
  // would be lost. publish() waits for the first attempt, so this process hears what it publishes itself.
  // ioredis re-subscribes after a reconnect (autoResubscribe), but only to channels it once subscribed:
  // if Redis was down at start-up, keep trying here or this process's consoles would stay deaf.
  let closed = false;
  const attempt = () =>
    subscriber.subscribe(channel).then(
      () => true,
      (error: Error) => {
        if (!closed) logger?.error({ err: error.message, channel }, 'handoff SUBSCRIBE failed; retrying');
        return false;
      },
    );
  const firstAttempt = attempt();
  const subscribed = (async () => {
    let ok = await firstAttempt;
    while (!ok && !closed) {
      await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RETRY_MS));
      ok = await attempt();
    }
  })();

  return {
    ready: () => subscribed,
    async push(entry) {
      // ZADD updates the score of an existing member: re-queueing a released hand-off keeps one entry.
      await redis.zadd(queueKey, scoreOf(entry), entry.handoffId);
    },
    async claim(handoffId) {
      // ZREM is atomic and returns how many members it removed: 1 for exactly one of any racing callers,
      // in any process; 0 for the others.
      return (await redis.zrem(queueKey, handoffId)) === 1;
    },
    async remove(handoffId) {
      await redis.zrem(queueKey, handoffId);
    },
    async list() {
      const flat = await redis.zrange(queueKey, 0, -1, 'WITHSCORES');
      const entries: QueueEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const entry = entryOf(flat[i] as string, Number(flat[i + 1]));
        if (entry) entries.push(entry);
      }
      return entries;
    },
    async position(handoffId) {
      const rank = await redis.zrank(queueKey, handoffId);
      return rank === null ? undefined : rank + 1;
    },
    async publish(event) {
      await firstAttempt;
      await redis.publish(channel, JSON.stringify(event));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      // The subscriber connection belongs to this queue; the command connection is shared and is not ours.
      await subscriber.quit().catch(() => {});
    },
  };
}
