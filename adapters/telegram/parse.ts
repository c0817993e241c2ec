import type { InboundContent, InboundMessage } from '../../src/core/types.ts';

/**
 * PURE: a Telegram `Update` → what the core should hear about it. Never throws, whatever the payload.
 * @see https://core.telegram.org/bots/api#update
 * @see https://core.telegram.org/bots/api#message
 * @see https://core.telegram.org/bots/api#callbackquery
 * @see https://core.telegram.org/bots/api#chatmemberupdated
 */
export type ParsedUpdate =
  | { kind: 'message'; updateId: number; message: InboundMessage; callbackQueryId?: string }
  /** The patient blocked the bot (my_chat_member → kicked in a private chat). */
  | { kind: 'unreachable'; updateId: number; externalId: string; reason: string }
  /** Nothing for the core; `callbackQueryId` is still answered so the button stops spinning. */
  | { kind: 'ignored'; updateId: number; reason: string; callbackQueryId?: string };

export interface ParseOptions {
  allowGroups: boolean;
  /** The bot's @username (from getMe): a command addressed to another bot is ignored. */
  botUsername?: string;
  /** Callback queries carry no date: this is their receive time. */
  now: Date;
}

interface TgUser {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  language_code?: string;
}
interface TgChat {
  id: number;
  type?: string;
  title?: string;
  first_name?: string;
  last_name?: string;
}
interface TgMessage {
  message_id: number;
  date?: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
  entities?: { type: string; offset: number; length: number }[];
  [key: string]: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Telegram ids are integers of at most 52 significant bits: safe integers. 1.5 or 1e21 is not an id. */
const isId = (v: unknown): v is number => Number.isSafeInteger(v);

/** Update kinds we know and deliberately ignore (so the log says why). */
const IGNORED_UPDATES = [
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
];

/** Service messages: things that happened in a chat, not something the patient said. */
const SERVICE_FIELDS = [
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'message_auto_delete_timer_changed',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
  'forum_topic_created',
  'forum_topic_edited',
  'forum_topic_closed',
  'forum_topic_reopened',
  'video_chat_started',
  'video_chat_ended',
  'video_chat_scheduled',
  'video_chat_participants_invited',
  'web_app_data',
  'write_access_allowed',
  'boost_added',
];

/** Content the patient can send that the bot cannot read; `contact` is kept out on purpose (a phone number). */
const UNSUPPORTED_FIELDS = ['contact', 'poll', 'dice', 'game', 'story', 'invoice', 'giveaway', 'paid_media'];

export function parseUpdate(update: unknown, options: ParseOptions): ParsedUpdate {
  if (!isObj(update) || typeof update.update_id !== 'number')
    return { kind: 'ignored', updateId: -1, reason: 'malformed' };
  const updateId = update.update_id;
  try {
    if (isObj(update.message)) return parseMessage(updateId, update.message, options);
    if (isObj(update.callback_query)) return parseCallbackQuery(updateId, update.callback_query, options);
    if (isObj(update.my_chat_member)) return parseMyChatMember(updateId, update.my_chat_member);
    const known = IGNORED_UPDATES.find((k) => k in update);
    return { kind: 'ignored', updateId, reason: known ?? 'unknown_update' };
  } catch {
    // Defensive: a payload shaped against the documentation must never break the webhook.
    return { kind: 'ignored', updateId, reason: 'malformed' };
  }
}

function asMessage(v: Obj): TgMessage | undefined {
  if (!isId(v.message_id) || !isObj(v.chat) || !isId(v.chat.id)) return undefined;
  return v as unknown as TgMessage;
}

function displayName(user: TgUser | undefined, chat: TgChat): string | undefined {
  const parts = user ? [user.first_name, user.last_name] : [chat.title ?? chat.first_name, chat.last_name];
  const name = parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(' ');
  return name || undefined;
}

function chatRejected(chat: TgChat, options: ParseOptions): string | undefined {
  if (chat.type === 'channel') return 'channel_post';
  if ((chat.type === 'group' || chat.type === 'supergroup') && !options.allowGroups) return 'group_chat';
  return undefined;
}

function sender(chat: TgChat, user: TgUser | undefined): InboundMessage['from'] {
  const name = displayName(chat.type === 'private' || !chat.type ? user : undefined, chat);
  const locale = str(user?.language_code);
  return { externalId: String(chat.id), ...(name && { displayName: name }), ...(locale && { locale }) };
}

function parseMessage(updateId: number, raw: Obj, options: ParseOptions): ParsedUpdate {
  const message = asMessage(raw);
  if (!message) return { kind: 'ignored', updateId, reason: 'malformed_message' };
  const rejected = chatRejected(message.chat, options);
  if (rejected) return { kind: 'ignored', updateId, reason: rejected };
  if (message.from?.is_bot) return { kind: 'ignored', updateId, reason: 'from_bot' };
  const content = messageContent(message, options);
  if ('ignore' in content) return { kind: 'ignored', updateId, reason: content.ignore };
  return {
    kind: 'message',
    updateId,
    message: {
      // chat id + message id: stable across redeliveries and unique forever (update ids may restart at
      // random after a quiet week, so they are not used as the durable dedupe key).
      id: `${message.chat.id}:${message.message_id}`,
      channel: 'telegram',
      key: `telegram:${message.chat.id}`,
      from: sender(message.chat, message.from),
      receivedAt: typeof message.date === 'number' ? new Date(message.date * 1000) : options.now,
      content,
      raw: { update_id: updateId },
    },
  };
}

function messageContent(message: TgMessage, options: ParseOptions): InboundContent | { ignore: string } {
  const caption = str(message.caption);
  const withCaption = caption ? { caption } : {};
  if (typeof message.text === 'string') return textContent(message, message.text, options);
  if (Array.isArray(message.photo) && message.photo.length > 0) {
    // Sizes come smallest first; the last is the original.
    const largest = message.photo.at(-1) as Obj;
    return { kind: 'media', media: 'image', ref: fileRef(largest), ...withCaption };
  }
  const files: [string, 'audio' | 'video' | 'document' | 'sticker'][] = [
    ['voice', 'audio'],
    ['audio', 'audio'],
    ['video', 'video'],
    ['video_note', 'video'],
    ['animation', 'video'],
    ['document', 'document'],
    ['sticker', 'sticker'],
  ];
  for (const [field, media] of files) {
    const file = message[field];
    if (!isObj(file)) continue;
    const emoji = field === 'sticker' ? str(file.emoji) : undefined;
    return { kind: 'media', media, ref: fileRef(file), ...(emoji ? { caption: emoji } : withCaption) };
  }
  const location = isObj(message.venue) && isObj(message.venue.location) ? message.venue.location : message.location;
  if (isObj(location) && typeof location.latitude === 'number' && typeof location.longitude === 'number') {
    // RFC 5870 geo URI: an educator can open it in any map.
    return { kind: 'media', media: 'location', ref: `geo:${location.latitude},${location.longitude}` };
  }
  const unsupported = UNSUPPORTED_FIELDS.find((f) => f in message);
  if (unsupported) return { kind: 'unsupported', platformType: unsupported };
  const service = SERVICE_FIELDS.find((f) => f in message);
  if (service) return { ignore: `service:${service}` };
  return { kind: 'unsupported', platformType: 'unknown' };
}

/** `telegram-file:<file_id>`: an educator tool can fetch it with getFile; the id alone says nothing. */
function fileRef(file: Obj): string {
  return `telegram-file:${str(file.file_id) ?? 'unknown'}`;
}

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/;

function textContent(message: TgMessage, text: string, options: ParseOptions): InboundContent | { ignore: string } {
  const first = message.entities?.find((e) => e.offset === 0);
  const match = first?.type === 'bot_command' || text.startsWith('/') ? COMMAND.exec(text.trim()) : null;
  if (!match) return { kind: 'text', text };
  const [, name = '', bot, arg] = match;
  // In groups "/help@OtherBot" is meant for another bot.
  if (bot && options.botUsername && bot.toLowerCase() !== options.botUsername.toLowerCase())
    return { ignore: 'command_for_another_bot' };
  const trimmed = arg?.trim();
  return { kind: 'command', name: name.toLowerCase(), ...(trimmed && { arg: trimmed }) };
}

function parseCallbackQuery(updateId: number, query: Obj, options: ParseOptions): ParsedUpdate {
  const callbackQueryId = str(query.id);
  if (!callbackQueryId) return { kind: 'ignored', updateId, reason: 'malformed_callback_query' };
  const data = str(query.data);
  const message = isObj(query.message) ? asMessage(query.message) : undefined;
  // Inline-mode buttons have no chat message; game buttons have no data.
  if (!message) return { kind: 'ignored', updateId, reason: 'callback_without_message', callbackQueryId };
  if (!data) return { kind: 'ignored', updateId, reason: 'callback_without_data', callbackQueryId };
  const rejected = chatRejected(message.chat, options);
  if (rejected) return { kind: 'ignored', updateId, reason: rejected, callbackQueryId };
  const from = isObj(query.from) && isId(query.from.id) ? (query.from as unknown as TgUser) : undefined;
  const label = buttonLabel(message, data);
  return {
    kind: 'message',
    updateId,
    callbackQueryId,
    message: {
      id: `cb:${callbackQueryId}`,
      channel: 'telegram',
      key: `telegram:${message.chat.id}`,
      from: sender(message.chat, from),
      receivedAt: options.now,
      content: { kind: 'choice', choiceId: data, ...(label && { label }) },
      raw: { update_id: updateId },
    },
  };
}

/** The label of the pressed button, read from the keyboard of the message it was attached to. */
function buttonLabel(message: TgMessage, data: string): string | undefined {
  const markup = message.reply_markup;
  if (!isObj(markup) || !Array.isArray(markup.inline_keyboard)) return undefined;
  for (const row of markup.inline_keyboard) {
    if (!Array.isArray(row)) continue;
    for (const button of row) if (isObj(button) && button.callback_data === data) return str(button.text);
  }
  return undefined;
}

function parseMyChatMember(updateId: number, update: Obj): ParsedUpdate {
  const chat = isObj(update.chat) && isId(update.chat.id) ? (update.chat as unknown as TgChat) : undefined;
  const status = isObj(update.new_chat_member) ? str(update.new_chat_member.status) : undefined;
  if (!chat || !status) return { kind: 'ignored', updateId, reason: 'malformed_my_chat_member' };
  // In a private chat, "kicked" means the user blocked the bot.
  if (chat.type === 'private' && status === 'kicked')
    return { kind: 'unreachable', updateId, externalId: String(chat.id), reason: 'blocked_by_user' };
  return { kind: 'ignored', updateId, reason: `my_chat_member:${status}` };
}
