/**
 * The conversation core's vocabulary. Adapters translate platform payloads into these types and back;
 * nothing in here knows a platform exists.
 */

/** Channels patients write on. Educator consoles (Slack, web) are not channels: they are EducatorConsoles. */
export type ChannelId = 'webchat' | 'telegram' | 'whatsapp' | 'botframework';

/** Channel-prefixed external id of a patient's chat, e.g. 'telegram:3527065' (courier's URN idea). */
export type ConversationKey = `${ChannelId}:${string}`;

export type Language = string; // BCP-47 primary tag: 'en', 'id', 'ms'

export type InboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'choice'; choiceId: string; label?: string }
  | { kind: 'command'; name: string; arg?: string }
  | {
      kind: 'media';
      media: 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'location';
      ref: string;
      caption?: string;
    }
  | { kind: 'unsupported'; platformType: string };

export interface InboundMessage {
  /** Platform message id; (channel, id) is the dedupe key. */
  id: string;
  channel: ChannelId;
  key: ConversationKey;
  from: { externalId: string; displayName?: string; locale?: string };
  receivedAt: Date;
  content: InboundContent;
  /** Adapter-owned, opaque to the core (e.g. a Bot Framework ConversationReference). */
  replyContext?: unknown;
  /** The platform payload. Never logged above debug. */
  raw?: unknown;
}

export type Sender = { kind: 'bot' } | { kind: 'educator'; educatorId: string; name: string };

export interface Choice {
  id: string;
  label: string;
}

export type OutboundPart =
  | { kind: 'text'; markdown: string }
  | { kind: 'choices'; prompt: string; choices: Choice[] }
  | {
      kind: 'article';
      articleId: string;
      title: string;
      summary: string;
      sources: { title: string; url: string }[];
    };

export interface OutboundMessage {
  key: ConversationKey;
  sender: Sender;
  parts: OutboundPart[];
  /** Ties the reply to the inbound message (or educator action) that caused it. */
  correlationId: string;
}

export interface ChannelCapabilities {
  maxTextLength: number;
  choices: 'buttons' | 'list' | 'numbered-text';
  /** How many buttons fit before the adapter must fall back to a list or numbered text. */
  maxButtons: number;
  markdown: 'full' | 'basic' | 'none';
  /** Free-form messages are allowed only this long after the patient's last message (WhatsApp: 24 h). */
  replyWindowHours?: number;
}

export interface SendResult {
  platformMessageIds: string[];
}

/** What the core tells an adapter about a send beyond the message itself. */
export interface SendContext {
  /** The adapter's reply context stored with the conversation (e.g. a Bot Framework reference). */
  replyContext?: unknown;
  /**
   * True when the channel has a reply window (capabilities.replyWindowHours, e.g. WhatsApp's 24 h) and the
   * patient's last message is older than it: the adapter must send a pre-approved template instead.
   */
  outsideReplyWindow?: boolean;
}

/** A platform's report on a message we sent (WhatsApp statuses, Telegram blocks, Slack-side failures). */
export interface DeliveryStatusUpdate {
  channel: ChannelId;
  platformMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** Platform error code and title for failures, e.g. "131026: Message undeliverable". */
  error?: string;
  at: Date;
}

/** Callbacks the core gives an adapter at start, besides the inbound sink. Never throw into the adapter. */
export interface ChannelHooks {
  deliveryStatus(update: DeliveryStatusUpdate): Promise<void>;
  /** The patient blocked the bot or the address is dead: stop sending, show it to educators. */
  identityUnreachable(channel: ChannelId, externalId: string, reason: string): Promise<void>;
}

/** Stores the message durably (resolves 'accepted' or 'duplicate') or throws: then the platform must retry. */
export type InboundSink = (message: InboundMessage) => Promise<'accepted' | 'duplicate'>;

export interface ChannelAdapter {
  id: ChannelId;
  capabilities: ChannelCapabilities;
  start(sink: InboundSink, hooks?: ChannelHooks): Promise<void>;
  stop(): Promise<void>;
  /** verify → parse → sink → fast response; never throws. */
  handleWebhook?(request: Request): Promise<Response>;
  send(message: OutboundMessage, context?: SendContext): Promise<SendResult>;
  /** Shows or hides "typing…" where the platform has it; best effort, never throws. */
  indicateTyping?(key: ConversationKey, on: boolean, replyContext?: unknown): Promise<void>;
}

export type TriageClass =
  | 'routine'
  | 'emergency'
  | 'crisis'
  | 'complaint'
  | 'human_request'
  | 'personal_medical'
  | 'out_of_scope';

export type DecisionAction = 'answer' | 'more' | 'clarify' | 'handoff' | 'relay' | 'command' | 'fallback' | 'notice';

/** Stored with every bot reply: why the bot said what it said. Its JSON form is part of `sehat ask --json`. */
export interface Decision {
  triage: TriageClass;
  /** Ids of the triage rules that fired (empty when routine). */
  rules: string[];
  action: DecisionAction;
  articles: { id: string; score: number }[];
  /** 0..1; how sure retrieval is that the first article answers the question. */
  confidence: number;
  language: Language;
  /** Set when the requested language had no translation and another was used. */
  servedLanguage?: Language;
  reason?: string;
  /** Set when the grounded LLM answer was tried for this reply (src/llm): whether it was sent, or why not. */
  llm?: LlmDecision;
}

export interface LlmDecision {
  model: string;
  /** True when this reply is the model's answer and it passed the grounding checks. */
  grounded: boolean;
  /** Why the retrieval answer (or a safety reply) was sent instead, e.g. 'citation_not_retrieved', 'timeout'. */
  fallbackReason?: string;
  /** Tokens all model calls of the turn cost. */
  tokens?: { input: number; output: number };
  /** Time from the start of the LLM step to its verdict (model calls, retries and checks). */
  latencyMs?: number;
  calls?: number;
  /** The standalone search query the model made of the message (already without personal details). */
  query?: string;
  /** Articles retrieved for the model; `Decision.articles` lists those it cited. */
  retrieved?: string[];
  /** Whether the answer was checked by rules only or also by a second model call. */
  verifiedBy?: 'rules' | 'rules+model';
  /** The model saw an emergency or crisis the rules missed (triage is raised, never lowered). */
  raisedTriage?: 'emergency' | 'crisis';
}

export type ConversationMode = 'bot' | 'waiting' | 'with_educator' | 'closed';
