import type { Conversation, CrmStore } from '../crm/crm-store.ts';
import type { KnowledgeSnapshot } from '../knowledge/knowledge-snapshot.ts';
import type { ConversationJob, JobQueue } from '../queue/job-queue.ts';
import { DEDUPE_PREFIX, type KeyValueState } from '../queue/key-value-state.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { type Metrics, noMetrics } from '../shared/metrics.ts';
import { compose, type Step } from './compose.ts';
import { describeError } from './errors.ts';
import { type Outbox, RESUME_MIN_AGE_MS, type ResumeLookup } from './outbox.ts';
import { inboundToPlainText } from './plain-text.ts';
import { answerStep } from './steps/answer.ts';
import { baseCommands, type CommandTable, createCommandsStep } from './steps/commands.ts';
import { detectLanguageStep } from './steps/detect-language.ts';
import { followUpStep } from './steps/follow-up.ts';
import { nonTextStep } from './steps/non-text.ts';
import { erasureConfirmationStep, privacyCommands } from './steps/privacy.ts';
import type { EngineSettings, HandoffRequest, PlannedReply, Turn } from './turn.ts';
import { textPart } from './turn.ts';
import type { ChannelAdapter, ChannelId, InboundMessage } from './types.ts';

/**
 * How long a (channel, message id) stays remembered in the fast dedupe set. Meta redelivers failed
 * WhatsApp webhooks for up to 7 days, the longest window of our platforms; 8 days covers it. The CRM's
 * unique index on the same key is the durable guard behind it.
 */
export const DEDUPE_TTL_MS = 8 * 24 * 60 * 60 * 1000;
/** How long a failed job waits for the stores to come back before the queue counts the failure. */
const STORE_WAIT_MS = 60_000;

/** Extension points later modules plug into, so the engine itself does not change. */
export interface EngineHooks {
  /** Steps run after the language step and before commands (e.g. safety triage). */
  beforeCommands?: Step<Turn>[];
  /** Steps run after commands and before answering (e.g. route by conversation mode). */
  beforeAnswer?: Step<Turn>[];
  /**
   * Steps that may answer a routine question before the retrieval answer (e.g. the grounded LLM answer);
   * calling next() falls back to the retrieval answer.
   */
  answerers?: Step<Turn>[];
  commands?: CommandTable;
  /** Opens hand-offs the turn asked for (the handoff module). */
  onHandoffRequests?: (turn: Turn, requests: HandoffRequest[]) => Promise<void>;
}

export interface EngineDeps {
  /** For typing indicators while a turn is being worked on. */
  channels?: ReadonlyMap<ChannelId, ChannelAdapter>;
  crm: CrmStore;
  kv: KeyValueState;
  queue: JobQueue;
  outbox: Outbox;
  knowledge: () => KnowledgeSnapshot;
  clock: Clock;
  logger: Logger;
  settings: EngineSettings;
  hooks?: EngineHooks;
  metrics?: Metrics;
  /** Flood guard: messages per conversation per minute beyond which messages are stored but not processed. */
  inboundPerMinute?: number;
  /** Display name of an educator (for replies resent after a crash). */
  educatorName?: (id: string) => Promise<string | undefined>;
  /** Values every fixed response may use, e.g. {{emergency_numbers}}. */
  responseVars?: (lang: string) => Record<string, string>;
}

export type AcceptResult = { status: 'accepted'; messageId: string } | { status: 'duplicate' };

export interface Engine {
  /** Durably stores an inbound message and queues it: call before acknowledging the platform. */
  accept(message: InboundMessage): Promise<AcceptResult>;
  /** Handles one queued message (the queue calls this, one at a time per conversation). */
  process(job: ConversationJob): Promise<void>;
  /** Re-queues messages accepted but not processed before a crash or restart. */
  recover(): Promise<number>;
  /** Sends replies written outside a turn (educator messages, notices). */
  deliver(
    conversation: Conversation,
    replies: PlannedReply[],
    correlationId: string,
    sender?: { kind: 'educator'; educatorId: string; name: string },
  ): Promise<void>;
}

export function createEngine(deps: EngineDeps): Engine {
  const { crm, kv, queue, outbox, clock, logger, settings, hooks = {} } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const inboundPerMinute = deps.inboundPerMinute ?? 30;
  const pipeline = compose<Turn>([
    nonTextStep,
    detectLanguageStep,
    erasureConfirmationStep,
    ...(hooks.beforeCommands ?? []),
    createCommandsStep({ ...baseCommands, ...privacyCommands, ...hooks.commands }),
    ...(hooks.beforeAnswer ?? []),
    followUpStep,
    ...(hooks.answerers ?? []),
    answerStep,
  ]);

  const outgoing = (...[conversation, replies, correlationId, sender]: Parameters<Engine['deliver']>) =>
    replies.map((planned) => ({
      message: {
        key: conversation.key,
        sender: sender ?? ({ kind: 'bot' } as const),
        parts: planned.parts,
        correlationId,
      },
      context: {
        conversationId: conversation.id,
        replyContext: conversation.replyContext,
        decision: sender ? undefined : planned.decision,
        lastInboundAt: conversation.lastInboundAt,
      },
    }));
  // All written before the first is sent, so a crash part-way leaves every one of them to resend.
  const deliver: Engine['deliver'] = async (...args) => {
    await outbox.sendAll(outgoing(...args));
  };

  /** For replies written before a crash: who the conversation is, and one resender per reply (shared state). */
  const resumeLookup: ResumeLookup = {
    conversation: (id) => crm.getConversation(id),
    educatorName: async (id) => (id ? deps.educatorName?.(id) : undefined),
    claim: (messageId) => kv.setIfAbsent(`resume:${messageId}`, '1', 60 * 60_000),
  };

  /**
   * A job that failed because a store is down (the turn itself catches its own errors) would use up the
   * queue's retries within seconds and be set aside. An outage is not the message's fault: wait, up to a
   * minute, until the database and the shared state answer again before reporting the failure.
   */
  async function untilStoresAnswer(): Promise<void> {
    const deadline = Date.now() + STORE_WAIT_MS;
    for (;;) {
      try {
        await crm.ping();
        await kv.get('ping');
        return;
      } catch {
        if (Date.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 500).unref());
      }
    }
  }

  async function accept(message: InboundMessage): Promise<AcceptResult> {
    // Fast path for redeliveries. The mark is written only once the message is stored *and* queued: a
    // store failing half-way (say Redis after the CRM insert) leaves no mark, so the platform's
    // redelivery reaches the CRM check below and finishes the work instead of being dropped as a duplicate.
    const dedupeKey = `${DEDUPE_PREFIX}${message.channel}:${message.id}`;
    if (await kv.get(dedupeKey)) return { status: 'duplicate' };
    const markAccepted = () => kv.setIfAbsent(dedupeKey, '1', DEDUPE_TTL_MS).catch(() => false);
    const at = message.receivedAt;
    const locale = message.from.locale?.slice(0, 2).toLowerCase();
    const language = locale && settings.languages.includes(locale) ? locale : null;
    const contact = await crm.upsertContact({
      channel: message.channel,
      externalId: message.from.externalId,
      displayName: message.from.displayName,
      language: locale && settings.languages.includes(locale) ? locale : undefined,
      at,
    });
    const conversation = await crm.openConversation({
      contactId: contact.id,
      channel: message.channel,
      key: message.key,
      language,
      at,
    });
    const recorded = await crm.recordInbound({
      conversationId: conversation.id,
      channel: message.channel,
      platformMessageId: message.id,
      content: message.content,
      text: inboundToPlainText(message.content),
      receivedAt: at,
    });
    if (recorded === 'duplicate') {
      // Stored by an earlier delivery that failed before queueing it: queue it now. Queueing twice is
      // harmless — a conversation's jobs run one at a time and process() skips a handled message.
      const stored = await crm.findInbound(message.channel, message.id);
      if (stored?.status === 'received') await queue.enqueue({ messageId: stored.id, conversationKey: message.key });
      await markAccepted();
      return { status: 'duplicate' };
    }
    await crm.updateConversation(
      conversation.id,
      {
        lastInboundAt: at.toISOString(),
        ...(message.replyContext !== undefined && { replyContext: message.replyContext }),
      },
      at,
    );
    metrics.messageIn(message.channel, message.content.kind);
    // Flood guard: past the limit, messages are kept (nothing is lost) but not processed; the first one
    // over the limit is queued only to tell the patient to slow down.
    const minute = Math.floor(at.getTime() / 60_000);
    const count = await kv.increment(`rate:${message.key}:${minute}`, 1, 120_000);
    if (count > inboundPerMinute) {
      await crm.markInbound(recorded.id, 'throttled', at);
      metrics.inboundThrottled(message.channel);
      logger.warn(
        { channel: message.channel, conversationId: conversation.id, count },
        'inbound flood: message stored, not processed',
      );
      if (count === inboundPerMinute + 1) await queue.enqueue({ messageId: recorded.id, conversationKey: message.key });
      await markAccepted();
      return { status: 'accepted', messageId: recorded.id };
    }
    await queue.enqueue({ messageId: recorded.id, conversationKey: message.key });
    await markAccepted();
    // One info line per message is enough ("message handled", below); this one is for debugging.
    logger.debug(
      {
        channel: message.channel,
        conversationId: conversation.id,
        messageId: recorded.id,
        kind: message.content.kind,
      },
      'message accepted',
    );
    return { status: 'accepted', messageId: recorded.id };
  }

  async function process(job: ConversationJob): Promise<void> {
    try {
      await processJob(job);
    } catch (error) {
      await untilStoresAnswer();
      throw error;
    }
  }

  async function processJob(job: ConversationJob): Promise<void> {
    const started = performance.now();
    const stored = await crm.getMessage(job.messageId);
    if (stored?.direction !== 'in') return;
    const conversation = await crm.getConversation(stored.conversationId);
    const contact = conversation && (await crm.getContact(conversation.contactId));
    if (!conversation || !contact) return;
    if (stored.status === 'throttled') {
      const lang = conversation.language ?? settings.defaultLanguage;
      const kb = deps.knowledge();
      const decision = {
        triage: 'routine' as const,
        rules: [],
        action: 'notice' as const,
        articles: [],
        confidence: 0,
        language: lang,
        reason: 'flood',
      };
      const text = kb.response('slow_down', lang, deps.responseVars?.(lang));
      await deliver(conversation, [{ parts: [textPart(text)], decision }], stored.id);
      return;
    }
    if (stored.status !== 'received') return; // already handled
    // Replies already written for this message: an earlier run wrote them and then crashed (or a store
    // failed) before marking the message handled. Don't answer again — send what is still pending.
    const earlier = await crm.listReplies(conversation.id, stored.id);
    if (earlier.length > 0) {
      const resent = await outbox.resendRows(earlier, resumeLookup);
      await crm.markInboundProcessed(stored.id, clock.now());
      logger.warn(
        { conversationId: conversation.id, messageId: stored.id, replies: earlier.length, resent },
        'message handled before a crash: its pending replies resent, not answered again',
      );
      return;
    }
    const content = stored.content as InboundMessage['content'];
    const inbound: InboundMessage = {
      id: stored.platformMessageId ?? stored.id,
      channel: stored.channel as ChannelId,
      key: conversation.key,
      from: {
        externalId: conversation.key.slice(conversation.key.indexOf(':') + 1),
        displayName: contact.displayName ?? undefined,
      },
      receivedAt: new Date(stored.createdAt),
      content,
      replyContext: conversation.replyContext,
    };
    const turn: Turn = {
      inbound,
      messageId: stored.id,
      contact,
      conversation,
      state: { ...conversation.state },
      kb: deps.knowledge(),
      language: conversation.language ?? settings.defaultLanguage,
      languageConfident: false,
      text: content.kind === 'text' ? content.text : undefined,
      triage: { triage: 'routine', rules: [] },
      replies: [],
      handoffRequests: [],
      afterDelivery: [],
      settings,
      crm,
      clock,
      logger,
    };
    const channel = deps.channels?.get(inbound.channel);
    const typing = (on: boolean) =>
      channel?.indicateTyping?.(conversation.key, on, conversation.replyContext).catch(() => {});
    // Only the bot types: while an educator has the chat, the patient's message is relayed, not answered.
    if (conversation.mode === 'bot') await typing(true);
    try {
      await pipeline(turn);
    } catch (error) {
      logger.error({ conversationId: conversation.id, messageId: stored.id, ...describeError(error) }, 'turn failed');
      turn.replies.length = 0;
      turn.replies.push({
        parts: [textPart(turn.kb.response('error_fallback', turn.language))],
        decision: {
          triage: turn.triage.triage,
          rules: turn.triage.rules,
          action: 'fallback',
          articles: [],
          confidence: 0,
          language: turn.language,
          reason: 'internal_error',
        },
      });
      turn.handoffRequests.push({ reason: 'unanswered', priority: 'normal' });
    }
    if (settings.greetOnFirstContact && !turn.state.greeted) {
      turn.state.greeted = true;
      turn.replies.unshift({
        parts: [textPart(turn.kb.response('greeting', turn.language))],
        decision: {
          triage: turn.triage.triage,
          rules: [],
          action: 'notice',
          articles: [],
          confidence: 0,
          language: turn.language,
          reason: 'greeting',
        },
      });
    }
    turn.conversation = { ...turn.conversation, state: turn.state, language: turn.language };
    // The replies are written before the turn's memory (e.g. "greeted"): a crash between the two re-runs
    // nothing and at worst greets twice later, where the other order could lose the greeting.
    const written = await outbox.writeAll(outgoing(turn.conversation, turn.replies, stored.id));
    await crm.updateConversation(conversation.id, { state: turn.state, language: turn.language }, clock.now());
    if (turn.replies.length === 0 && conversation.mode === 'bot') await typing(false);
    await outbox.sendWritten(written);
    if (turn.handoffRequests.length > 0) await hooks.onHandoffRequests?.(turn, turn.handoffRequests);
    await crm.markInboundProcessed(stored.id, clock.now());
    for (const work of turn.afterDelivery) await work();
    metrics.turnHandled(
      performance.now() - started,
      turn.triage.triage,
      turn.replies.at(-1)?.decision.action ?? 'none',
    );
    logger.info(
      {
        conversationId: conversation.id,
        messageId: stored.id,
        triage: turn.triage.triage,
        actions: turn.replies.map((r) => r.decision.action),
        language: turn.language,
        ms: Math.round(performance.now() - started),
      },
      'message handled',
    );
  }

  return {
    accept,
    process,
    deliver,
    async recover() {
      const pending = await crm.listUnprocessedInbound(10_000);
      for (const message of pending) {
        const conversation = await crm.getConversation(message.conversationId);
        if (conversation) await queue.enqueue({ messageId: message.id, conversationKey: conversation.key });
      }
      await outbox.resume(resumeLookup);
      // resume() leaves replies younger than RESUME_MIN_AGE_MS to the process that may still be sending them.
      // After a quick restart (a supervisor restarts at once) those are this process's own, left by the
      // crash: look once more when they are old enough, or they would wait for the next restart.
      setTimeout(() => {
        outbox
          .resume(resumeLookup)
          .catch((error) => logger.warn({ ...describeError(error) }, 'second pass over pending replies failed'));
      }, RESUME_MIN_AGE_MS + 1_000).unref();
      return pending.length;
    },
  };
}
