import type { CrmStore } from '../crm/crm-store.ts';
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
export interface Outbox {
  send(
    message: OutboundMessage,
    context: { conversationId: string; replyContext?: unknown; decision?: Decision; lastInboundAt?: string | null },
  ): Promise<SendOutcome>;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const { crm, channels, clock, logger } = options;
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const metrics = options.metrics ?? noMetrics;

  return {
    async send(message, { conversationId, replyContext, decision, lastInboundAt }) {
      const channelId = message.key.split(':')[0] as ChannelId;
      const adapter = channels.get(channelId);
      const parts = adapter ? fitParts(message.parts, adapter.capabilities) : message.parts;
      const { id } = await crm.recordOutbound({
        conversationId,
        channel: channelId,
        sender: message.sender,
        parts,
        text: partsToPlainText(parts),
        decision,
        correlationId: message.correlationId,
        at: clock.now(),
      });
      if (!adapter) {
        await crm.markOutbound(id, { status: 'failed', error: `channel ${channelId} is not enabled` }, clock.now());
        logger.error({ channel: channelId, messageId: id }, 'reply not sent: channel not enabled');
        return { messageId: id, status: 'failed', platformMessageIds: [] };
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const windowHours = adapter.capabilities.replyWindowHours;
          const outsideReplyWindow =
            windowHours !== undefined &&
            lastInboundAt !== undefined &&
            (lastInboundAt === null || clock.now().getTime() - Date.parse(lastInboundAt) > windowHours * 3_600_000);
          const result = await adapter.send({ ...message, parts }, { replyContext, outsideReplyWindow });
          await crm.markOutbound(
            id,
            { status: 'sent', platformMessageIds: result.platformMessageIds, attempts: attempt },
            clock.now(),
          );
          metrics.messageOut(channelId, 'sent');
          return { messageId: id, status: 'sent', platformMessageIds: result.platformMessageIds };
        } catch (error) {
          const appError = toAppError(error, 'send_failed');
          const retryAfterMs = Number(appError.details?.retryAfterMs ?? 0);
          if (!appError.retryable || attempt >= maxAttempts) {
            await crm.markOutbound(
              id,
              { status: 'failed', error: `${appError.code}: ${appError.message}`, attempts: attempt },
              clock.now(),
            );
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
        }
      }
    },
  };
}
