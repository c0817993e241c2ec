import { describeError } from '../../src/core/errors.ts';
import type { CrmStore, MessageStatus, StoredMessage } from '../../src/crm/crm-store.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { slackErrorCode, type WebClient } from './client.ts';
import { escapeSlack, MARK, renderNotice } from './render.ts';
import type { SlackState } from './state.ts';

type Markable = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
const TERMINAL = new Set<Markable>(['read', 'failed']);

function markOf(status: MessageStatus): Markable {
  return status === 'sent' || status === 'delivered' || status === 'read' || status === 'failed' ? status : 'pending';
}

interface Watched {
  messageId: string;
  channel: string;
  ts: string;
  threadTs: string;
  /** The reaction currently shown (null before the first one). */
  mark: Markable | null;
  untilMs: number;
}

/**
 * Delivery marks on an educator's relayed thread message, from the CRM row of the reply: the outbox sets
 * it sent or failed, and channels that report receipts (WhatsApp, Telegram…) move it to delivered or read
 * through the core's delivery-status hook. The row is watched for a while and the reaction follows it.
 */
export function createDeliveryMarks(deps: {
  crm: CrmStore;
  state: SlackState;
  slack: () => WebClient;
  logger: Logger;
  now: () => number;
  /** How often watched rows are re-read. */
  pollMs: number;
  /** How long a reply is watched for receipts. */
  watchMs: number;
}) {
  const { crm, logger } = deps;
  const watched = new Map<string, Watched>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  async function react(w: Watched, next: Markable): Promise<void> {
    const slack = deps.slack();
    if (w.mark && w.mark !== next) {
      await slack.reactions.remove({ channel: w.channel, timestamp: w.ts, name: MARK[w.mark] }).catch(() => {});
    }
    await slack.reactions.add({ channel: w.channel, timestamp: w.ts, name: MARK[next] }).catch((error) => {
      if (slackErrorCode(error) !== 'already_reacted') throw error;
    });
    if (next === 'failed' && w.mark !== 'failed') {
      const row = await crm.getMessage(w.messageId);
      await slack.chat.postMessage({
        channel: w.channel,
        thread_ts: w.threadTs,
        ...renderNotice(`:x: Not delivered to the patient${row?.error ? `: ${escapeSlack(row.error)}` : ''}.`),
      });
    }
    w.mark = next;
  }

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      for (const w of [...watched.values()]) {
        const row = await crm.getMessage(w.messageId);
        const next = row ? markOf(row.status) : w.mark;
        if (next && next !== w.mark)
          await react(w, next).catch((error) => logger.warn(describeError(error), 'mark failed'));
        if ((w.mark && TERMINAL.has(w.mark)) || deps.now() > w.untilMs || !row) watched.delete(w.messageId);
      }
    } finally {
      polling = false;
    }
  }

  return {
    /**
     * Finds the CRM row of a reply just relayed by `educatorId` in `handoffId` and marks the Slack message.
     * The hand-off service names relay rows `reply-<handoffId>-…`; claimMark keeps two quick replies apart.
     */
    async markReply(input: {
      conversationId: string;
      handoffId: string;
      educatorId: string;
      channel: string;
      ts: string;
      threadTs: string;
    }): Promise<void> {
      const rows = await crm.listMessages(input.conversationId, { limit: 30 });
      let row: StoredMessage | undefined;
      for (const candidate of [...rows].reverse()) {
        if (
          candidate.direction === 'out' &&
          candidate.author.kind === 'educator' &&
          candidate.author.id === input.educatorId &&
          candidate.correlationId?.startsWith(`reply-${input.handoffId}-`) &&
          (await deps.state.claimMark(candidate.id))
        ) {
          row = candidate;
          break;
        }
      }
      if (!row) return;
      const w: Watched = {
        messageId: row.id,
        channel: input.channel,
        ts: input.ts,
        threadTs: input.threadTs,
        mark: null,
        untilMs: deps.now() + deps.watchMs,
      };
      const first = markOf(row.status);
      await react(w, first);
      if (!TERMINAL.has(first)) watched.set(row.id, w);
    },
    start(): void {
      timer = setInterval(() => {
        poll().catch((error) => logger.warn(describeError(error), 'delivery mark poll failed'));
      }, deps.pollMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      watched.clear();
    },
  };
}

export type DeliveryMarks = ReturnType<typeof createDeliveryMarks>;
