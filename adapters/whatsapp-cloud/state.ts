import { createHash } from 'node:crypto';
import { AppError } from '../../src/core/errors.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { GraphMessage } from './render.ts';

/**
 * The channel's small shared memory, in the KeyValueState port (Redis when several processes share the work,
 * so limits and pending messages hold across them). Keys carry a hash of the wa_id, never the phone number.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Free-form text waiting for the patient to answer a template. Two weeks: older news goes stale anyway. */
export const PENDING_TTL_MS = 14 * DAY_MS;
/** Which wamids of a multi-message send went out already, so a retry does not repeat them. */
const PROGRESS_TTL_MS = 60 * 60 * 1000;
/** Status webhooks for a flushed pending message are reported against the template's CRM row. */
const ALIAS_TTL_MS = 30 * DAY_MS;
const LOCK_TTL_MS = 30_000;

export const recipientHash = (waId: string) => createHash('sha256').update(waId).digest('hex').slice(0, 24);

/** Replaces a value (the port has no plain set: delete, then set-if-absent). */
async function put(kv: KeyValueState, key: string, value: string, ttlMs: number): Promise<void> {
  await kv.delete(key);
  await kv.setIfAbsent(key, value, ttlMs);
}

export interface PendingEntry {
  /** The template's wamid (the notification the patient got). */
  templateId: string;
  /** The platform id the CRM row of the held message carries until its text is delivered. */
  heldRef: string;
  templateAtMs: number;
  payloads: GraphMessage[];
  /** wamids of payloads already delivered (a flush interrupted by a retryable error resumes here). */
  sentIds: string[];
}

export function createChannelState(kv: KeyValueState, now: () => number) {
  const pendingKey = (waId: string) => `whatsapp:pending:${recipientHash(waId)}`;
  return {
    /** Throws rate_limited while a global or per-recipient pause (after 130429 / 131056) is running. */
    async checkPace(waId: string): Promise<void> {
      for (const [key, scope] of [
        ['whatsapp:pace:global', 'global'],
        [`whatsapp:pace:${recipientHash(waId)}`, 'recipient'],
      ] as const) {
        const until = Number((await kv.get(key)) ?? 0);
        const waitMs = until - now();
        if (waitMs > 0)
          throw new AppError('rate_limited', `WhatsApp ${scope} pause (rate limit), ${waitMs} ms left`, {
            retryable: true,
            details: { retryAfterMs: waitMs, scope },
          });
      }
    },
    async hold(scope: 'global' | 'recipient', waId: string, ms: number): Promise<void> {
      const key = scope === 'global' ? 'whatsapp:pace:global' : `whatsapp:pace:${recipientHash(waId)}`;
      await put(kv, key, String(now() + ms), ms);
    },

    async progress(key: string): Promise<string[]> {
      return JSON.parse((await kv.get(`whatsapp:progress:${key}`)) ?? '[]') as string[];
    },
    async saveProgress(key: string, ids: string[]): Promise<void> {
      if (ids.length === 0) await kv.delete(`whatsapp:progress:${key}`);
      else await put(kv, `whatsapp:progress:${key}`, JSON.stringify(ids), PROGRESS_TTL_MS);
    },

    async pending(waId: string): Promise<PendingEntry[]> {
      return JSON.parse((await kv.get(pendingKey(waId))) ?? '[]') as PendingEntry[];
    },
    async savePending(waId: string, entries: PendingEntry[]): Promise<void> {
      if (entries.length === 0) await kv.delete(pendingKey(waId));
      else await put(kv, pendingKey(waId), JSON.stringify(entries), PENDING_TTL_MS);
    },
    async hasPending(waId: string): Promise<boolean> {
      return (await kv.get(pendingKey(waId))) !== undefined;
    },

    /** A delivered held text's wamid → the held message's ref, so its statuses reach the right CRM row. */
    async alias(wamid: string, heldRef: string): Promise<void> {
      await kv.setIfAbsent(`whatsapp:alias:${wamid}`, heldRef, ALIAS_TTL_MS);
    },
    async resolveAlias(wamid: string): Promise<string> {
      return (await kv.get(`whatsapp:alias:${wamid}`)) ?? wamid;
    },
    /** The held messages announced by one template (a failed template fails them all). */
    async addHeldRef(templateId: string, heldRef: string): Promise<void> {
      const key = `whatsapp:template:${templateId}`;
      const refs = JSON.parse((await kv.get(key)) ?? '[]') as string[];
      await put(kv, key, JSON.stringify([...refs, heldRef]), PENDING_TTL_MS);
    },
    async heldRefs(templateId: string): Promise<string[]> {
      return JSON.parse((await kv.get(`whatsapp:template:${templateId}`)) ?? '[]') as string[];
    },

    /** Runs `work` holding the recipient's lock (pending text is flushed or appended by one caller at a time). */
    async withRecipientLock<T>(waId: string, work: () => Promise<T>, waitMs = 15_000): Promise<T> {
      const key = `whatsapp:lock:${recipientHash(waId)}`;
      const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
      const deadline = Date.now() + waitMs;
      while (!(await kv.setIfAbsent(key, token, LOCK_TTL_MS))) {
        if (Date.now() > deadline)
          throw new AppError('send_failed', 'WhatsApp recipient busy (lock held)', { retryable: true });
        await new Promise((r) => setTimeout(r, 25));
      }
      try {
        return await work();
      } finally {
        if ((await kv.get(key)) === token) await kv.delete(key);
      }
    },
  };
}

export type ChannelState = ReturnType<typeof createChannelState>;

/** A stable key for "this exact send" (same recipient, cause and content) for progress tracking. */
export function sendKey(to: string, correlationId: string, payloads: unknown[]): string {
  return createHash('sha256')
    .update(`${to}\n${correlationId}\n${JSON.stringify(payloads)}`)
    .digest('hex')
    .slice(0, 32);
}
