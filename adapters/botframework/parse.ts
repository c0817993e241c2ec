import type { ConversationKey, InboundContent, InboundMessage } from '../../src/core/types.ts';
import { activitySchema, type BotActivity, type BotConversationReference, CHOICE_VALUE_KEY } from './activity.ts';

/**
 * PURE: a Bot Framework Activity (the JSON body POSTed to /api/messages) → what the core should do with it.
 * Never throws: unknown activity types are ignored with a reason.
 * @see https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-activities?view=azure-bot-service-4.0
 * @see https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events
 */
export type ParseResult =
  | { kind: 'inbound'; messages: InboundMessage[] }
  /** `invoke` activities expect an invoke response in the HTTP answer. */
  | { kind: 'ignored'; reason: string; invoke?: boolean }
  /** The patient removed the bot (Teams installationUpdate "remove"): stop sending, tell educators. */
  | { kind: 'unreachable'; externalId: string; reason: string }
  | { kind: 'invalid'; reason: string };

export const CHANNEL = 'botframework' as const;

export function conversationKey(conversationId: string): ConversationKey {
  return `${CHANNEL}:${conversationId}`;
}

/** TurnContext.getConversationReference, kept to the fields a later send needs. */
export function conversationReference(
  activity: Required<Pick<BotActivity, 'from' | 'recipient' | 'conversation' | 'serviceUrl' | 'channelId'>> &
    BotActivity,
  options: { replyTo: boolean },
): BotConversationReference {
  const { conversation, from, recipient } = activity;
  return {
    // Direct Line refuses replies to a conversationUpdate; new messages are sent to the conversation instead.
    ...(options.replyTo && activity.id && { activityId: activity.id }),
    user: { id: from.id, ...(from.name && { name: from.name }), ...(from.role && { role: from.role }) },
    bot: {
      id: recipient.id,
      ...(recipient.name && { name: recipient.name }),
      ...(recipient.role && { role: recipient.role }),
    },
    conversation: {
      id: conversation.id,
      ...(conversation.conversationType && { conversationType: conversation.conversationType }),
      ...(conversation.tenantId && { tenantId: conversation.tenantId }),
      ...(conversation.isGroup !== undefined && { isGroup: conversation.isGroup }),
    },
    channelId: activity.channelId,
    ...(activity.locale && { locale: activity.locale }),
    serviceUrl: activity.serviceUrl,
  };
}

/**
 * Teams message ids are timestamps, unique only within a conversation; the core dedupes on (channel, id)
 * across all conversations, so the id is scoped by the conversation (Direct Line ids already are).
 */
export function scopedMessageId(conversationId: string, activityId: string): string {
  return activityId.startsWith(`${conversationId}|`) ? activityId : `${conversationId}|${activityId}`;
}

/** Teams puts "<at>Sehat</at>" into the text of group messages that mention the bot. */
function withoutBotMention(text: string, activity: BotActivity): string {
  let result = text;
  for (const e of activity.entities ?? [])
    if (e.type === 'mention' && e.mentioned?.id === activity.recipient?.id && e.text)
      result = result.split(e.text).join('');
  return result.trim();
}

function mediaKind(contentType: string): 'image' | 'audio' | 'video' | 'document' | undefined {
  if (contentType === 'text/html' || contentType.startsWith('application/vnd.microsoft.card.')) return undefined;
  const top = contentType.split('/')[0];
  if (top === 'image' || top === 'audio' || top === 'video') return top;
  if (top === 'application' || top === 'text') return 'document';
  return undefined;
}

function choiceFrom(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const id = (value as Record<string, unknown>)[CHOICE_VALUE_KEY];
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
}

function messageContent(activity: BotActivity): InboundContent | undefined {
  const text = withoutBotMention(activity.text ?? '', activity);
  const choiceId = choiceFrom(activity.value);
  // A button press (messageBack / Action.Submit) carries our value; its text, when any, is the label.
  if (choiceId) return { kind: 'choice', choiceId, ...(text && { label: text.slice(0, 200) }) };
  // Teams duplicates the text as a text/html attachment: text wins over attachments.
  if (text) return { kind: 'text', text };
  for (const a of activity.attachments ?? []) {
    const media = mediaKind(a.contentType);
    if (media) return { kind: 'media', media, ref: a.contentUrl ?? a.name ?? a.contentType };
  }
  if (activity.value !== undefined) return { kind: 'unsupported', platformType: 'card_submit' };
  if (activity.attachments?.length) return { kind: 'unsupported', platformType: 'attachment' };
  return undefined;
}

export function parseActivity(body: unknown, receivedAt: Date): ParseResult {
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', reason: 'not_an_activity' };
  const activity = parsed.data;
  const { type, from, recipient, conversation, serviceUrl, channelId } = activity;
  if (type === 'typing') return { kind: 'ignored', reason: 'typing' };
  if (type === 'invoke') return { kind: 'ignored', reason: `invoke:${activity.name ?? 'unnamed'}`, invoke: true };
  if (type !== 'message' && type !== 'conversationUpdate' && type !== 'installationUpdate')
    return { kind: 'ignored', reason: `unsupported_activity:${type}` };
  if (!from || !recipient || !conversation || !serviceUrl || !channelId)
    return { kind: 'invalid', reason: 'missing_routing_fields' };
  const routed = { ...activity, from, recipient, conversation, serviceUrl, channelId };
  const key = conversationKey(conversation.id);

  if (type === 'installationUpdate') {
    if (activity.action === 'remove' && conversation.conversationType === 'personal')
      return { kind: 'unreachable', externalId: from.id, reason: 'app_uninstalled' };
    return { kind: 'ignored', reason: `installation_update:${activity.action ?? 'unknown'}` };
  }

  if (type === 'conversationUpdate') {
    const added = activity.membersAdded ?? [];
    if (added.length === 0)
      return { kind: 'ignored', reason: activity.membersRemoved?.length ? 'members_removed' : 'conversation_update' };
    if (conversation.isGroup) return { kind: 'ignored', reason: 'group_members_added' };
    const person = added.find((m) => m.id !== recipient.id);
    const botAdded = added.some((m) => m.id === recipient.id);
    // Teams (personal scope) announces only the bot; the Emulator and Direct Line announce the user too.
    if (!person && !(botAdded && conversation.conversationType === 'personal'))
      return { kind: 'ignored', reason: 'bot_added' };
    const user = person ?? from;
    return {
      kind: 'inbound',
      messages: [
        {
          // One greeting per conversation: the core dedupes on this id.
          id: `${conversation.id}|welcome`,
          channel: CHANNEL,
          key,
          from: {
            externalId: user.id,
            ...(user.name && { displayName: user.name }),
            ...(activity.locale && { locale: activity.locale }),
          },
          receivedAt,
          content: { kind: 'command', name: 'start' },
          replyContext: conversationReference({ ...routed, from: user }, { replyTo: false }),
          raw: body,
        },
      ],
    };
  }

  if (!activity.id) return { kind: 'invalid', reason: 'message_without_id' };
  const content = messageContent(activity);
  if (!content) return { kind: 'ignored', reason: 'empty_message' };
  return {
    kind: 'inbound',
    messages: [
      {
        id: scopedMessageId(conversation.id, activity.id),
        channel: CHANNEL,
        key,
        from: {
          externalId: from.id,
          ...(from.name && { displayName: from.name }),
          ...(activity.locale && { locale: activity.locale }),
        },
        receivedAt,
        content,
        replyContext: conversationReference(routed, { replyTo: true }),
        raw: body,
      },
    ],
  };
}
