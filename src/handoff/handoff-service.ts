import { AppError } from '../core/errors.ts';
import type { PlannedReply } from '../core/turn.ts';
import type { Decision } from '../core/types.ts';
import type { Conversation, CrmStore } from '../crm/crm-store.ts';
import type { HandoffStore } from '../crm/handoff-store.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { type Metrics, noMetrics } from '../shared/metrics.ts';
import type { HandoffQueue } from './handoff-queue.ts';
import { buildHandoffView, type HandoffView, type TranscriptLine, toTranscriptLine } from './handoff-view.ts';
import { type Educator, type Handoff, type HandoffPriority, type HandoffReason, PRIORITY_RANK } from './types.ts';
import { formatOpening, nextOpening, type WorkingHours } from './working-hours.ts';

export interface HandoffSettings {
  workingHours?: WorkingHours;
  /** Minutes a hand-off may wait unclaimed before it is re-announced and escalated. */
  slaMinutes: Record<HandoffPriority, number>;
  /** Used for the patient's expected wait: position × this. */
  averageHandlingMinutes: number;
}

type Deliver = (
  conversation: Conversation,
  replies: PlannedReply[],
  correlationId: string,
  sender?: { kind: 'educator'; educatorId: string; name: string },
) => Promise<void>;

export interface HandoffDeps {
  crm: CrmStore;
  store: HandoffStore;
  queue: HandoffQueue;
  knowledge: () => KnowledgeSnapshot;
  clock: Clock;
  logger: Logger;
  settings: HandoffSettings;
  /** Sends replies to the patient through the engine's outbox (late-bound: the engine needs us too). */
  deliver: Deliver;
  /** {{emergency_numbers}}, {{crisis_lines}} for the deployment country in a language. */
  safetyVars: (lang: string) => Record<string, string>;
  metrics?: Metrics;
}

export type ClaimResult =
  | { status: 'claimed'; handoff: Handoff }
  | { status: 'taken'; by?: Educator }
  | { status: 'not_found' };

/**
 * The hand-off lifecycle: open (the conversation waits) → claim by one educator → replies relayed to the
 * patient's own channel → close with an outcome (back to the bot, rating asked) or release to the queue.
 */
export function createHandoffService(deps: HandoffDeps) {
  const { crm, store, queue, clock, logger, settings } = deps;
  const metrics = deps.metrics ?? noMetrics;

  const notice = (
    conversation: Conversation,
    key: Parameters<KnowledgeSnapshot['response']>[0],
    vars: Record<string, string | number> = {},
    reason = key,
  ): PlannedReply => {
    const lang = conversation.language ?? deps.knowledge().defaultLanguage;
    const kb = deps.knowledge();
    const decision: Decision = {
      triage: 'routine',
      rules: [],
      action: 'notice',
      articles: [],
      confidence: 0,
      language: lang,
      reason,
    };
    return {
      parts: [{ kind: 'text', markdown: kb.response(key, lang, { ...deps.safetyVars(lang), ...vars }) }],
      decision,
    };
  };

  async function requireHandoff(id: string): Promise<{ handoff: Handoff; conversation: Conversation }> {
    const handoff = await store.getHandoff(id);
    const conversation = handoff && (await crm.getConversation(handoff.conversationId));
    if (!handoff || !conversation) throw new AppError('not_found', `hand-off ${id} not found`);
    return { handoff, conversation };
  }

  async function waitingNotice(conversation: Conversation, handoff: Handoff): Promise<PlannedReply> {
    const now = clock.now();
    const hours = settings.workingHours;
    const opening = hours ? nextOpening(hours, now) : now;
    if (hours && opening && opening.getTime() > now.getTime()) {
      const lang = conversation.language ?? deps.knowledge().defaultLanguage;
      const when = formatOpening(opening, now, hours, lang);
      const kb = deps.knowledge();
      const nextOpen = when.sameDay
        ? kb.response('opening_today', lang, { time: when.time })
        : kb.response('opening_later', lang, { date: when.date });
      return notice(conversation, 'handoff_out_of_hours', { next_open: nextOpen });
    }
    const position = (await queue.position(handoff.id)) ?? 1;
    return notice(conversation, 'handoff_waiting', {
      position,
      wait_minutes: Math.max(1, Math.round(position * settings.averageHandlingMinutes)),
    });
  }

  async function audit(
    actor: Educator | 'system',
    action: string,
    subject: string,
    details: Record<string, unknown> = {},
  ) {
    await crm.appendAudit({
      actor: actor === 'system' ? 'system' : `educator:${actor.username}`,
      action,
      subject,
      details,
      at: clock.now(),
    });
  }

  return {
    /** Opens a hand-off for a conversation, or raises the priority of the one already open. */
    async open(
      conversation: Conversation,
      reason: HandoffReason,
      priority: HandoffPriority,
      correlationId: string,
    ): Promise<Handoff> {
      const now = clock.now();
      const existing = await store.findOpenHandoff(conversation.id);
      if (existing) {
        if (PRIORITY_RANK[priority] < PRIORITY_RANK[existing.priority]) {
          await store.raisePriority(existing.id, priority, reason);
          if (existing.status === 'waiting')
            await queue.push({
              handoffId: existing.id,
              priority,
              enqueuedAtMs: new Date(existing.createdAt).getTime(),
            });
          await queue.publish({ kind: 'escalated', handoffId: existing.id });
          logger.info({ handoffId: existing.id, priority, reason }, 'hand-off priority raised');
        } else if (existing.status === 'waiting' && !conversation.state.waitingNoticeSent) {
          await deps.deliver(conversation, [notice(conversation, 'handoff_already_waiting')], correlationId);
        }
        return (await store.getHandoff(existing.id)) ?? existing;
      }
      const handoff = await store.createHandoff({ conversationId: conversation.id, reason, priority, at: now });
      await crm.updateConversation(conversation.id, { mode: 'waiting' }, now);
      await queue.push({ handoffId: handoff.id, priority, enqueuedAtMs: now.getTime() });
      await queue.publish({ kind: 'opened', handoffId: handoff.id });
      metrics.handoffOpened(reason, priority);
      logger.info({ handoffId: handoff.id, conversationId: conversation.id, reason, priority }, 'hand-off opened');
      await deps.deliver(
        { ...conversation, mode: 'waiting' },
        [await waitingNotice(conversation, handoff)],
        correlationId,
      );
      return handoff;
    },

    async claim(handoffId: string, educator: Educator): Promise<ClaimResult> {
      const current = await store.getHandoff(handoffId);
      if (!current) return { status: 'not_found' };
      // Two gates: the shared queue (Redis across processes) and the CRM's conditional update.
      const won = (await queue.claim(handoffId)) && (await store.claimHandoff(handoffId, educator.id, clock.now()));
      if (!won) {
        // The winner may not have written its claim to the CRM yet: wait briefly so we can name them.
        let latest = await store.getHandoff(handoffId);
        for (let i = 0; i < 20 && latest?.status === 'waiting'; i++) {
          await new Promise((r) => setTimeout(r, 25));
          latest = await store.getHandoff(handoffId);
        }
        const by = latest?.educatorId ? await store.getEducator(latest.educatorId) : undefined;
        return { status: 'taken', ...(by && { by }) };
      }
      const { handoff, conversation } = await requireHandoff(handoffId);
      metrics.handoffClaimed(handoff.priority, clock.now().getTime() - new Date(handoff.createdAt).getTime());
      await crm.updateConversation(conversation.id, { mode: 'with_educator' }, clock.now());
      await audit(educator, 'handoff.claim', handoffId);
      await queue.publish({ kind: 'claimed', handoffId, educatorId: educator.id });
      await deps.deliver(
        conversation,
        [notice(conversation, 'handoff_claimed', { educator: educator.displayName })],
        `claim-${handoffId}`,
      );
      return { status: 'claimed', handoff };
    },

    /** An educator's message to the patient, on the patient's own channel. Only the owner may reply. */
    async reply(handoffId: string, educator: Educator, text: string): Promise<void> {
      const { handoff, conversation } = await requireHandoff(handoffId);
      if (handoff.status !== 'claimed' || handoff.educatorId !== educator.id)
        throw new AppError('conflict', 'only the educator who claimed this chat can reply');
      if (!text.trim()) throw new AppError('bad_request', 'the reply is empty');
      const lang = conversation.language ?? 'en';
      const planned: PlannedReply = {
        parts: [{ kind: 'text', markdown: text.trim() }],
        decision: { triage: 'routine', rules: [], action: 'relay', articles: [], confidence: 0, language: lang },
      };
      await deps.deliver(conversation, [planned], `reply-${handoffId}-${clock.now().getTime()}`, {
        kind: 'educator',
        educatorId: educator.id,
        name: educator.displayName,
      });
      await audit(educator, 'handoff.reply', handoffId, { length: text.length });
      await queue.publish({ kind: 'educator_message', handoffId, messageId: '' });
    },

    /** An internal note by an educator: stored with the conversation, shown to colleagues, never sent. */
    async note(handoffId: string, educator: Educator, text: string): Promise<void> {
      const { conversation } = await requireHandoff(handoffId);
      if (!text.trim()) throw new AppError('bad_request', 'the note is empty');
      const { id } = await crm.recordNote({
        conversationId: conversation.id,
        channel: conversation.channel,
        educatorId: educator.id,
        text: text.trim(),
        at: clock.now(),
      });
      await audit(educator, 'handoff.note', handoffId, { length: text.length });
      await queue.publish({ kind: 'educator_message', handoffId, messageId: id });
    },

    async release(handoffId: string, educator: Educator): Promise<boolean> {
      const { handoff, conversation } = await requireHandoff(handoffId);
      if (!(await store.releaseHandoff(handoffId, educator.id))) return false;
      await queue.push({ handoffId, priority: handoff.priority, enqueuedAtMs: new Date(handoff.createdAt).getTime() });
      await crm.updateConversation(conversation.id, { mode: 'waiting' }, clock.now());
      await audit(educator, 'handoff.release', handoffId);
      await queue.publish({ kind: 'released', handoffId });
      await deps.deliver(conversation, [notice(conversation, 'handoff_released')], `release-${handoffId}`);
      return true;
    },

    async transfer(handoffId: string, from: Educator, to: Educator): Promise<boolean> {
      if (!(await store.transferHandoff(handoffId, from.id, to.id))) return false;
      const { conversation } = await requireHandoff(handoffId);
      await audit(from, 'handoff.transfer', handoffId, { to: to.username });
      await queue.publish({ kind: 'claimed', handoffId, educatorId: to.id });
      await deps.deliver(
        conversation,
        [notice(conversation, 'handoff_claimed', { educator: to.displayName })],
        `transfer-${handoffId}`,
      );
      return true;
    },

    /** Closes with an outcome note; the conversation returns to the bot and the patient is asked for a rating. */
    async close(handoffId: string, educator: Educator, outcome: string, tags: string[] = []): Promise<boolean> {
      const { handoff, conversation } = await requireHandoff(handoffId);
      if (handoff.status === 'claimed' && handoff.educatorId !== educator.id)
        throw new AppError('conflict', 'only the educator who claimed this chat can close it');
      const now = clock.now();
      if (!(await store.closeHandoff(handoffId, { outcome, tags, at: now }))) return false;
      await queue.remove(handoffId);
      const state = { ...conversation.state, awaitingRating: { handoffId }, waitingNoticeSent: false };
      await crm.updateConversation(conversation.id, { mode: 'bot', state }, now);
      await audit(educator, 'handoff.close', handoffId, { tags, outcomeLength: outcome.length });
      await queue.publish({ kind: 'closed', handoffId });
      await deps.deliver({ ...conversation, state }, [notice(conversation, 'rating_prompt')], `close-${handoffId}`);
      return true;
    },

    /** Called for every patient message while a hand-off is open, so consoles show it live. */
    async patientMessage(conversation: Conversation, messageId: string): Promise<void> {
      const handoff = await store.findOpenHandoff(conversation.id);
      if (handoff) await queue.publish({ kind: 'patient_message', handoffId: handoff.id, messageId });
    },

    async view(handoffId: string): Promise<HandoffView> {
      const { handoff, conversation } = await requireHandoff(handoffId);
      const contact = await crm.getContact(conversation.contactId);
      if (!contact) throw new AppError('not_found', 'contact not found');
      const educators = new Map((await store.listEducators()).map((e) => [e.id, e]));
      return buildHandoffView({
        handoff,
        contact,
        conversation,
        messages: await crm.listMessages(conversation.id, { limit: 50 }),
        now: clock.now(),
        position: handoff.status === 'waiting' ? await queue.position(handoffId) : undefined,
        educator: handoff.educatorId ? educators.get(handoff.educatorId) : undefined,
        educatorName: (id) => (id ? educators.get(id)?.displayName : undefined),
      });
    },

    /** Waiting (by priority, then longest wait) and claimed hand-offs, for the consoles' queue. */
    async queueViews(): Promise<HandoffView[]> {
      const open = await store.listHandoffs({ status: ['waiting', 'claimed'] });
      const order = new Map((await queue.list()).map((e, i) => [e.handoffId, i]));
      const views = await Promise.all(open.map((h) => this.view(h.id)));
      const rank = (v: HandoffView) => (v.handoff.status === 'waiting' ? (order.get(v.handoff.id) ?? 1e6) : 1e7);
      return views.sort(
        (a, b) => rank(a) - rank(b) || PRIORITY_RANK[a.handoff.priority] - PRIORITY_RANK[b.handoff.priority],
      );
    },

    async transcript(handoffId: string): Promise<TranscriptLine[]> {
      const { conversation } = await requireHandoff(handoffId);
      const educators = new Map((await store.listEducators()).map((e) => [e.id, e.displayName]));
      return (await crm.listMessages(conversation.id)).map((m) =>
        toTranscriptLine(m, (id) => (id ? educators.get(id) : undefined)),
      );
    },

    /** Re-announces hand-offs that waited past their SLA (urgent ones even out of hours). */
    async checkSla(): Promise<Handoff[]> {
      const now = clock.now();
      const open = settings.workingHours ? nextOpening(settings.workingHours, now)?.getTime() === now.getTime() : true;
      const escalated: Handoff[] = [];
      for (const handoff of await store.listHandoffs({ status: ['waiting'] })) {
        if (handoff.escalatedAt) continue;
        if (!open && handoff.priority !== 'urgent') continue;
        const waitedMs = now.getTime() - new Date(handoff.createdAt).getTime();
        if (waitedMs < settings.slaMinutes[handoff.priority] * 60_000) continue;
        if (!(await store.markEscalated(handoff.id, now))) continue; // another process escalated it
        await audit('system', 'handoff.escalate', handoff.id, {
          priority: handoff.priority,
          waitedMinutes: Math.round(waitedMs / 60_000),
        });
        await queue.publish({ kind: 'escalated', handoffId: handoff.id });
        logger.warn(
          { handoffId: handoff.id, priority: handoff.priority, waitedMinutes: Math.round(waitedMs / 60_000) },
          'hand-off escalated: SLA passed',
        );
        escalated.push(handoff);
      }
      return escalated;
    },

    async recordRating(
      conversation: Conversation,
      handoffId: string,
      rating: number,
      comment: string | null,
    ): Promise<void> {
      await store.recordFeedback({ conversationId: conversation.id, handoffId, rating, comment, at: clock.now() });
    },

    subscribe: queue.subscribe,
  };
}

export type HandoffService = ReturnType<typeof createHandoffService>;
