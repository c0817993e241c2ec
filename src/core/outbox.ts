import type { CrmStore, StoredMessage } from '../crm/crm-store.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { type Metrics, noMetrics } from '../shared/metrics.ts';
import { describeError, toAppError } from './errors.ts';
import { partsToPlainText } from './plain-text.ts';
import { fitParts } from './reply.ts';
import type { ChannelAdapter, ChannelId, Decision, OutboundMessage } from './types.ts';

export interface OutboxOptions {
  crm: CrmStore;
  channels: ReadonlyMap<ChannelId, ChannelAdapter>;
  clock: Clock;
  logger: Logger;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  metrics?: Metrics;
}

export interface SendOutcome {
  messageId: string;
  status: 'sent' | 'failed';
  platformMessageIds: string[];
}

/**
 * Every reply is written to the CRM (status pending) before it is sent, then marked sent or failed, so
 * nothing is silently dropped and a crash leaves a pending row to resume. Transient failures are retried
 * with exponential backoff and jitter; permanent ones are recorded for educators to see.
 */
export interface SendContextInput {
  conversationId: string;
  replyContext?: unknown;
  decision?: Decision;
  lastInboundAt?: string | null;
}

export interface Outbox {
  send(message: OutboundMessage, context: SendContextInput): Promise<SendOutcome>;
  /**
   * Writes every message first (all pending), then sends them in order: a crash part-way through leaves
   * the rest in the outbox, never only some of a turn's replies written.
   */
  sendAll(messages: { message: OutboundMessage; context: SendContextInput }[]): Promise<SendOutcome[]>;
  /** sendAll in two steps, for a caller with work between writing the replies and sending them. */
  writeAll(messages: { message: OutboundMessage; context: SendContextInput }[]): Promise<WrittenReply[]>;
  sendWritten(written: WrittenReply[]): Promise<SendOutcome[]>;
  /** Sends replies already written but still pending (e.g. those of a turn whose process crashed). */
  resendRows(rows: StoredMessage[], lookup: ResumeLookup): Promise<number>;
  /**
   * After a crash: sends replies that were written but never marked sent. A reply whose send was in
   * flight at the crash may reach the patient twice (platform send APIs have no idempotency keys): at most
   * one duplicate, never a lost reply. Rows younger than `minAgeMs` are left to the process sending them.
   */
  resume(lookup: ResumeLookup, options?: { minAgeMs?: number }): Promise<number>;
}

/** A reply written to the outbox (pending), ready to send. */
export interface WrittenReply {
  id: string;
  message: OutboundMessage;
  context: SendContextInput;
}

export interface ResumeLookup {
  conversation(
    id: string,
  ): Promise<{ key: OutboundMessage['key']; replyContext?: unknown; lastInboundAt: string | null } | undefined>;
  educatorName(id: string | null): Promise<string | undefined>;
  /** Claims a pending row for this process (shared state), so two restarting processes don't both resend. */
  claim(messageId: string): Promise<boolean>;
}

/** resume() takes over a pending reply only once it is this old: younger, its process may still be sending it. */
export const RESUME_MIN_AGE_MS = 10_000;
/** Tries to record a send's outcome over about a minute of database trouble (see record()). */
const MARK_ATTEMPTS = 14;

export function createOutbox(options: OutboxOptions): Outbox {
  const { crm, channels, clock, logger } = options;
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const metrics = options.metrics ?? noMetrics;

  /**
   * Records a send's outcome. A database hiccup here must not be taken for a failed send: the message
   * went out, and sending it again would be a duplicate. So the write is retried (for about a minute)
   * on its own; if the database stays down the error propagates and the row stays pending (resumed later:
   * at most one duplicate).
   */
  async function record(id: string, update: Parameters<CrmStore['markOutbound']>[1]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await crm.markOutbound(id, update, clock.now());
        return;
      } catch (error) {
        if (attempt >= MARK_ATTEMPTS) throw error;
        logger.warn({ messageId: id, attempt, ...describeError(error) }, 'reply outcome not recorded; retrying');
        await sleep(Math.min(5_000, baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  /** Sends a stored (pending) reply, retrying transient errors, and records the outcome. */
  async function deliverStored(id: string, message: OutboundMessage, context: SendContextInput): Promise<SendOutcome> {
    const channelId = message.key.split(':')[0] as ChannelId;
    const adapter = channels.get(channelId);
    if (!adapter) {
      await record(id, { status: 'failed', error: `channel ${channelId} is not enabled` });
      logger.error({ channel: channelId, messageId: id }, 'reply not sent: channel not enabled');
      return { messageId: id, status: 'failed', platformMessageIds: [] };
    }
    const windowHours = adapter.capabilities.replyWindowHours;
    const { lastInboundAt } = context;
    for (let attempt = 1; ; attempt++) {
      let result: { platformMessageIds: string[] };
      try {
        const outsideReplyWindow =
          windowHours !== undefined &&
          lastInboundAt !== undefined &&
          (lastInboundAt === null || clock.now().getTime() - Date.parse(lastInboundAt) > windowHours * 3_600_000);
        result = await adapter.send(message, { replyContext: context.replyContext, outsideReplyWindow });
      } catch (error) {
        const appError = toAppError(error, 'send_failed');
        const retryAfterMs = Number(appError.details?.retryAfterMs ?? 0);
        if (!appError.retryable || attempt >= maxAttempts) {
          await record(id, { status: 'failed', error: `${appError.code}: ${appError.message}`, attempts: attempt });
          logger.error({ channel: channelId, messageId: id, attempt, ...describeError(appError) }, 'reply failed');
          metrics.messageOut(channelId, 'failed');
          return { messageId: id, status: 'failed', platformMessageIds: [] };
        }
        const backoff = baseDelayMs * 2 ** (attempt - 1);
        const delay = Math.max(retryAfterMs, backoff / 2 + Math.random() * backoff);
        logger.warn(
          { channel: channelId, messageId: id, attempt, delayMs: Math.round(delay), ...describeError(appError) },
          'reply send retry',
        );
        metrics.sendRetried(channelId);
        await sleep(delay);
        continue;
      }
      // Outside the try: a failure to record a message that went out is not a failed send.
      await record(id, { status: 'sent', platformMessageIds: result.platformMessageIds, attempts: attempt });
      metrics.messageOut(channelId, 'sent');
      return { messageId: id, status: 'sent', platformMessageIds: result.platformMessageIds };
    }
  }

  /** Writes a reply (status pending) before anything is sent. */
  async function store(message: OutboundMessage, context: SendContextInput): Promise<WrittenReply> {
    const channelId = message.key.split(':')[0] as ChannelId;
    const adapter = channels.get(channelId);
    const parts = adapter ? fitParts(message.parts, adapter.capabilities) : message.parts;
    const { id } = await crm.recordOutbound({
      conversationId: context.conversationId,
      channel: channelId,
      sender: message.sender,
      parts,
      text: partsToPlainText(parts),
      decision: context.decision,
      correlationId: message.correlationId,
      at: clock.now(),
    });
    return { id, message: { ...message, parts }, context };
  }

  async function writeAll(messages: { message: OutboundMessage; context: SendContextInput }[]) {
    const written: WrittenReply[] = [];
    for (const { message, context } of messages) written.push(await store(message, context));
    return written;
  }

  async function sendWritten(written: WrittenReply[]) {
    const outcomes: SendOutcome[] = [];
    for (const w of written) outcomes.push(await deliverStored(w.id, w.message, w.context));
    return outcomes;
  }

  async function resendRows(rows: StoredMessage[], lookup: ResumeLookup): Promise<number> {
    let resent = 0;
    for (const row of rows) {
      if (row.direction !== 'out' || row.status !== 'pending' || !(await lookup.claim(row.id))) continue;
      const conversation = await lookup.conversation(row.conversationId);
      if (!conversation) continue;
      const sender: OutboundMessage['sender'] =
        row.author.kind === 'educator'
          ? {
              kind: 'educator',
              educatorId: row.author.id ?? '',
              name: (await lookup.educatorName(row.author.id)) ?? '',
            }
          : { kind: 'bot' };
      const message: OutboundMessage = {
        key: conversation.key,
        sender,
        parts: row.content as OutboundMessage['parts'],
        correlationId: row.correlationId ?? row.id,
      };
      logger.warn({ messageId: row.id, channel: row.channel }, 'resending a reply left pending by a crash');
      await deliverStored(row.id, message, {
        conversationId: row.conversationId,
        replyContext: conversation.replyContext,
        lastInboundAt: conversation.lastInboundAt,
      });
      resent += 1;
    }
    return resent;
  }

  return {
    async send(message, context) {
      // Written before it is sent: a crash from here on leaves a pending row that resume() sends.
      const stored = await store(message, context);
      return deliverStored(stored.id, stored.message, stored.context);
    },

    async sendAll(messages) {
      return sendWritten(await writeAll(messages));
    },
    writeAll,
    sendWritten,

    resendRows,

    async resume(lookup, { minAgeMs = RESUME_MIN_AGE_MS } = {}) {
      const cutoff = clock.now().getTime() - minAgeMs;
      const rows = await crm.listPendingOutbound(10_000);
      return resendRows(
        rows.filter((row) => Date.parse(row.createdAt) <= cutoff),
        lookup,
      );
    },
  };
}
