import type { InboundContent, InboundMessage } from '../../src/core/types.ts';
import type { WebMessage } from './client.ts';

/**
 * PURE: a whatsapp-web.js `message` → an InboundMessage on the same logical channel and identity as the
 * Cloud API (`whatsapp:<number>`), or ignored with a reason. Private chats only. Never throws.
 * @see https://docs.wwebjs.dev/Message.html
 */
export type WebParseResult = { message: InboundMessage } | { ignored: string };

const MEDIA: Record<string, 'image' | 'audio' | 'video' | 'document' | 'sticker'> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  ptt: 'audio', // a voice note
  document: 'document',
  sticker: 'sticker',
};

/** Not a patient writing: protocol and system events that whatsapp-web.js also emits as messages. */
const SYSTEM_TYPES = new Set([
  'revoked',
  'e2e_notification',
  'notification',
  'notification_template',
  'gp2',
  'group_notification',
  'call_log',
  'protocol',
  'ciphertext',
  'debug',
  'broadcast_notification',
  'reaction',
]);

/** The number behind a private chat id ('6281234567890@c.us' → '6281234567890'); undefined for anything else. */
export function privateChatNumber(chatId: string): string | undefined {
  const match = /^(\d{5,20})@(c\.us|s\.whatsapp\.net)$/.exec(chatId);
  return match?.[1];
}

export function parseWebMessage(
  msg: WebMessage,
  /** `phone`: the number resolved for an '@lid' chat (a privacy id). */
  options: { now: Date; phone?: string },
): WebParseResult {
  if (!msg || typeof msg !== 'object' || typeof msg.from !== 'string') return { ignored: 'not a message' };
  if (msg.fromMe) return { ignored: 'sent by us' };
  if (msg.isStatus || msg.from === 'status@broadcast') return { ignored: 'status broadcast' };
  if (msg.from.endsWith('@g.us')) return { ignored: 'group chat' };
  if (msg.from.endsWith('@newsletter') || msg.from.endsWith('@broadcast')) return { ignored: 'channel or broadcast' };
  const number = privateChatNumber(msg.from) ?? (msg.from.endsWith('@lid') ? options.phone : undefined);
  if (!number) return { ignored: 'not a private chat' };
  if (SYSTEM_TYPES.has(msg.type)) return { ignored: `system message (${msg.type})` };
  const id = msg.id?._serialized;
  if (!id) return { ignored: 'message without id' };
  const displayName = msg._data?.notifyName;
  const seconds = Number(msg.timestamp);
  const at = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : options.now;
  return {
    message: {
      id,
      channel: 'whatsapp',
      key: `whatsapp:${number}`,
      from: { externalId: number, ...(displayName && { displayName }) },
      receivedAt: at.getTime() > options.now.getTime() ? options.now : at,
      content: contentOf(msg),
      // Replies go back to the chat the message came from (an '@lid' chat stays one).
      replyContext: { chatId: msg.from },
      raw: msg,
    },
  };
}

function contentOf(msg: WebMessage): InboundContent {
  const caption = msg.body?.trim() || msg._data?.caption || msg._data?.filename || undefined;
  if (msg.type === 'chat') return { kind: 'text', text: msg.body ?? '' };
  if (msg.type in MEDIA)
    return {
      kind: 'media',
      media: MEDIA[msg.type] as 'image',
      // whatsapp-web.js downloads media through the live session only: the message id is the reference.
      ref: `whatsapp-web-media:${msg.id._serialized}`,
      ...(caption && msg.type !== 'ptt' && msg.type !== 'audio' && msg.type !== 'sticker' && { caption }),
    };
  if (msg.type === 'location' && msg.location) {
    const place = [msg.location.name, msg.location.address, msg.location.description].filter(Boolean).join(', ');
    return {
      kind: 'media',
      media: 'location',
      ref: `geo:${Number(msg.location.latitude)},${Number(msg.location.longitude)}`,
      ...(place && { caption: place }),
    };
  }
  if (msg.type === 'buttons_response' && msg.selectedButtonId)
    return { kind: 'choice', choiceId: msg.selectedButtonId, ...(msg.body && { label: msg.body }) };
  if (msg.type === 'list_response' && msg.selectedRowId)
    return { kind: 'choice', choiceId: msg.selectedRowId, ...(msg.body && { label: msg.body }) };
  return { kind: 'unsupported', platformType: msg.type || 'unknown' };
}

/** Numbered choices we sent to a chat ("1. More"): a reply of just that number is a button press. */
export interface NumberedChoice {
  n: number;
  id: string;
  label: string;
}

export function resolveNumberedReply(message: InboundMessage, choices: NumberedChoice[]): InboundMessage {
  if (message.content.kind !== 'text' || choices.length === 0) return message;
  const match = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(message.content.text);
  const choice = match ? choices.find((c) => c.n === Number(match[1])) : undefined;
  return choice ? { ...message, content: { kind: 'choice', choiceId: choice.id, label: choice.label } } : message;
}
