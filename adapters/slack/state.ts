import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import { newId } from '../../src/shared/ids.ts';

/**
 * What the Slack console remembers, in the shared KeyValueState so every process agrees (Redis when
 * several run): hand-off ↔ announcement ts, which CRM messages are already in a thread, one-time notices,
 * and a per-hand-off lock so only one process writes a thread at a time.
 */
const DAY_MS = 86_400_000;
/** A hand-off lives hours to days; a month covers any that is still open or recently closed. */
const RECORD_TTL_MS = 30 * DAY_MS;
/** Longer than the longest sync pass (Web API retries are bounded well below this); expires if a process dies. */
const LOCK_TTL_MS = 2 * 60_000;
/**
 * Slack retries an unacknowledged event after ~1 minute and ~5 minutes (three times in all), so an hour
 * comfortably outlives every redelivery of one event_id. @see https://docs.slack.dev/apis/events-api/#retries
 */
const EVENT_DEDUPE_TTL_MS = 60 * 60_000;

export interface Announcement {
  channel: string;
  ts: string;
}

export function createSlackState(kv: KeyValueState, prefix = 'slack:') {
  const owner = newId('lock_');
  const key = (handoffId: string, name: string) => `${prefix}h:${handoffId}:${name}`;
  return {
    async announcement(handoffId: string): Promise<Announcement | undefined> {
      const raw = await kv.get(key(handoffId, 'msg'));
      return raw ? (JSON.parse(raw) as Announcement) : undefined;
    },
    async saveAnnouncement(handoffId: string, announcement: Announcement): Promise<void> {
      await kv.setIfAbsent(key(handoffId, 'msg'), JSON.stringify(announcement), RECORD_TTL_MS);
      await kv.setIfAbsent(`${prefix}ts:${announcement.ts}`, handoffId, RECORD_TTL_MS);
    },
    /** The hand-off whose announcement started this thread. */
    handoffForThread(threadTs: string): Promise<string | undefined> {
      return kv.get(`${prefix}ts:${threadTs}`);
    },
    async flag(handoffId: string, name: string): Promise<boolean> {
      return (await kv.get(key(handoffId, name))) !== undefined;
    },
    async setFlag(handoffId: string, name: string): Promise<void> {
      await kv.setIfAbsent(key(handoffId, name), '1', RECORD_TTL_MS);
    },
    value(handoffId: string, name: string): Promise<string | undefined> {
      return kv.get(key(handoffId, name));
    },
    /** Overwrites a value. Only called under the hand-off's lock (the store has no compare-and-set). */
    async replace(handoffId: string, name: string, value: string): Promise<void> {
      await kv.delete(key(handoffId, name));
      await kv.setIfAbsent(key(handoffId, name), value, RECORD_TTL_MS);
    },
    async seen(messageIds: string[]): Promise<Set<string>> {
      const marks = await Promise.all(messageIds.map((id) => kv.get(`${prefix}seen:${id}`)));
      return new Set(messageIds.filter((_, i) => marks[i] !== undefined));
    },
    async markSeen(messageIds: string[]): Promise<void> {
      await Promise.all(messageIds.map((id) => kv.setIfAbsent(`${prefix}seen:${id}`, '1', RECORD_TTL_MS)));
    },
    /** True the first time an outbound CRM row is claimed for delivery marks. */
    claimMark(messageId: string): Promise<boolean> {
      return kv.setIfAbsent(`${prefix}mark:${messageId}`, '1', RECORD_TTL_MS);
    },
    /** True the first time this Events API event_id is seen. */
    firstDelivery(eventId: string): Promise<boolean> {
      return kv.setIfAbsent(`${prefix}event:${eventId}`, '1', EVENT_DEDUPE_TTL_MS);
    },
    /**
     * Runs fn while holding the hand-off's lock. A caller that finds the lock taken leaves a "dirty" mark
     * instead of waiting; the holder runs fn again until no new mark arrived, so no request is lost.
     * Returns false when another holder will do the work.
     */
    async exclusive(handoffId: string, fn: () => Promise<void>): Promise<boolean> {
      const dirty = key(handoffId, 'dirty');
      await kv.increment(dirty, 1, DAY_MS);
      if (!(await kv.setIfAbsent(key(handoffId, 'lock'), owner, LOCK_TTL_MS))) return false;
      try {
        for (let pass = 0; pass < 10; pass++) {
          const before = await kv.get(dirty);
          await fn();
          if ((await kv.get(dirty)) === before) break;
        }
      } finally {
        await kv.delete(key(handoffId, 'lock'));
      }
      return true;
    },
  };
}

export type SlackState = ReturnType<typeof createSlackState>;
