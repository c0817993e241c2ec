import { describeError } from '../../src/core/errors.ts';
import type { CrmStore } from '../../src/crm/crm-store.ts';
import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { HandoffService } from '../../src/handoff/handoff-service.ts';
import { type HandoffView, toTranscriptLine } from '../../src/handoff/handoff-view.ts';
import type { Educator } from '../../src/handoff/types.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { slackErrorCode, type WebClient } from './client.ts';
import {
  educatorLabel,
  escapeSlack,
  patientLabel,
  renderAnnouncement,
  renderEscalation,
  renderNotice,
  renderThreadControls,
  renderTranscript,
  type SlackMessage,
  transcriptLineText,
} from './render.ts';
import type { Announcement, SlackState } from './state.ts';

export interface ThreadSyncDeps {
  service: HandoffService;
  store: HandoffStore;
  crm: CrmStore;
  state: SlackState;
  slack: () => WebClient;
  channelId: string;
  oncallMention: string;
  notePrefix: string;
  logger: Logger;
}

/** What the announcement shows; when it changes, the message is updated. */
function signature(view: HandoffView): string {
  const h = view.handoff;
  return [h.status, h.educatorId, h.priority, h.reason, h.escalatedAt, h.tags.join(','), view.recent.at(-1)?.id].join(
    '|',
  );
}

const isSlackEducator = (educator: Educator | undefined) => educator?.username.startsWith('slack:') === true;

/**
 * Brings Slack in line with the CRM for one hand-off, idempotently: announce it once, update the announcement
 * when its state changes, open the thread with the transcript at the first claim, post every CRM message not
 * yet in the thread (patient messages, bot notices, web-console replies and notes), and post the one-time
 * notices (owner changes, closing, SLA escalation). It runs on every hand-off event and periodically, under a
 * per-hand-off lock, so several processes and a Slack outage neither duplicate nor lose anything: what failed
 * is simply still missing at the next run.
 */
export function createThreadSync(deps: ThreadSyncDeps) {
  const { service, store, crm, state, channelId, oncallMention, logger } = deps;
  /** Hand-offs whose last sync failed (Slack down): retried by every periodic pass, open or not. */
  const failed = new Set<string>();
  const inflight = new Set<Promise<void>>();

  const post = async (announcement: Announcement, message: SlackMessage, broadcast = false) =>
    deps.slack().chat.postMessage({
      channel: announcement.channel,
      thread_ts: announcement.ts,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      reply_broadcast: broadcast,
    });

  async function announce(view: HandoffView): Promise<Announcement | undefined> {
    const id = view.handoff.id;
    const existing = await state.announcement(id);
    const message = renderAnnouncement(view, { oncallMention });
    if (!existing) {
      // Closed before Slack ever saw it (e.g. during an outage, from the web console): nothing to announce.
      if (view.handoff.status === 'closed') return undefined;
      const result = await deps.slack().chat.postMessage({
        channel: channelId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      const announcement = { channel: result.channel ?? channelId, ts: result.ts as string };
      await state.saveAnnouncement(id, announcement);
      await state.replace(id, 'sig', signature(view));
      await state.setFlag(id, `prio:${view.handoff.priority}`);
      logger.info({ handoffId: id, ts: announcement.ts }, 'hand-off announced in Slack');
      return announcement;
    }
    if ((await state.value(id, 'sig')) !== signature(view)) {
      await deps.slack().chat.update({
        channel: existing.channel,
        ts: existing.ts,
        text: message.text,
        blocks: message.blocks,
      });
      await state.replace(id, 'sig', signature(view));
    }
    return existing;
  }

  async function syncThread(view: HandoffView, announcement: Announcement): Promise<void> {
    const { handoff } = view;
    const id = handoff.id;
    const educators = new Map((await store.listEducators()).map((e) => [e.id, e]));
    const patient = patientLabel(view.contact);
    const messages = await crm.listMessages(handoff.conversationId, { limit: 200 });
    // What Slack educators wrote is already in the thread (they wrote it there): never echo it.
    const candidates = messages.filter(
      (m) => !(m.author.kind === 'educator' && isSlackEducator(educators.get(m.author.id ?? ''))),
    );
    const seen = await state.seen(candidates.map((m) => m.id));
    const fresh = candidates.filter((m) => !seen.has(m.id));
    const lines = fresh.map((m) => toTranscriptLine(m, (eid) => (eid ? educators.get(eid)?.displayName : undefined)));
    const owner = handoff.status === 'claimed' ? (handoff.educatorId ?? '') : '';
    const ownerLabel = educatorLabel(educators.get(owner));

    if (!(await state.flag(id, 'thread'))) {
      if (owner) await post(announcement, renderThreadControls(id, ownerLabel, patient, deps.notePrefix));
      for (const message of renderTranscript(lines, patient, 'Transcript so far')) await post(announcement, message);
      await state.markSeen(fresh.map((m) => m.id));
      await state.setFlag(id, 'thread');
      await state.replace(id, 'owner', owner || '-');
    } else {
      const lastOwner = (await state.value(id, 'owner')) ?? '-';
      if ((owner || '-') !== lastOwner) {
        if (owner) await post(announcement, renderThreadControls(id, ownerLabel, patient, deps.notePrefix));
        else if (handoff.status === 'waiting')
          await post(
            announcement,
            renderNotice(':leftwards_arrow_with_hook: Released — the chat is back in the queue.'),
          );
        await state.replace(id, 'owner', owner || '-');
      }
      if (lines.length > 4) {
        for (const message of renderTranscript(lines, patient)) await post(announcement, message);
        await state.markSeen(fresh.map((m) => m.id));
      } else {
        for (const [i, line] of lines.entries()) {
          const text = transcriptLineText(line, patient);
          await post(announcement, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
          await state.markSeen([fresh[i]?.id ?? '']);
        }
      }
    }
    if (handoff.status === 'closed' && !(await state.flag(id, 'closed'))) {
      const outcome = handoff.outcome ? `\n*Outcome:* ${escapeSlack(handoff.outcome)}` : '';
      const tags = handoff.tags.length ? `\n*Tags:* ${handoff.tags.map(escapeSlack).join(', ')}` : '';
      await post(announcement, {
        text: 'Chat closed',
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `:white_check_mark: Closed by ${educatorLabel(educators.get(handoff.educatorId ?? ''))}. The patient was asked for a rating.${outcome}${tags}`,
            },
          },
        ],
      });
      await state.setFlag(id, 'closed');
    }
  }

  async function escalate(view: HandoffView, announcement: Announcement): Promise<void> {
    const { handoff } = view;
    if (handoff.status !== 'waiting') return;
    if (handoff.escalatedAt && !(await state.flag(handoff.id, `esc:${handoff.escalatedAt}`))) {
      await post(announcement, renderEscalation(view, oncallMention, 'sla'), true);
      await state.setFlag(handoff.id, `esc:${handoff.escalatedAt}`);
    }
    if (!(await state.flag(handoff.id, `prio:${handoff.priority}`))) {
      await post(announcement, renderEscalation(view, oncallMention, 'priority'), true);
      await state.setFlag(handoff.id, `prio:${handoff.priority}`);
    }
  }

  async function syncOnce(handoffId: string): Promise<void> {
    const view = await service.view(handoffId).catch((error) => {
      if (describeError(error).code === 'not_found') return undefined; // erased with the patient's data
      throw error;
    });
    if (!view) return;
    const announcement = await announce(view);
    if (!announcement) return;
    if (view.handoff.educatorId || (await state.flag(handoffId, 'thread'))) await syncThread(view, announcement);
    await escalate(view, announcement);
  }

  async function run(handoffId: string): Promise<void> {
    try {
      await state.exclusive(handoffId, () => syncOnce(handoffId));
      failed.delete(handoffId);
    } catch (error) {
      failed.add(handoffId);
      logger.warn(
        { handoffId, slackError: slackErrorCode(error), ...describeError(error) },
        'Slack sync failed; will catch up on the next pass',
      );
    }
  }

  return {
    /** Syncs one hand-off in the background (events call this). */
    request(handoffId: string): void {
      const job = run(handoffId).finally(() => inflight.delete(job));
      inflight.add(job);
    },
    /** One periodic pass: every open hand-off, and those whose last sync failed. */
    async pass(): Promise<void> {
      const open = await store.listHandoffs({ status: ['waiting', 'claimed'] });
      const ids = new Set([...open.map((h) => h.id), ...failed]);
      for (const id of ids) await run(id);
    },
    async idle(): Promise<void> {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}

export type ThreadSync = ReturnType<typeof createThreadSync>;
