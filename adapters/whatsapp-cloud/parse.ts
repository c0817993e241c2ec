import type { DeliveryStatusUpdate, InboundContent, InboundMessage } from '../../src/core/types.ts';

/**
 * PURE: a Cloud API `messages` webhook → inbound messages, delivery statuses and ignored items with reasons.
 * Never throws: unknown shapes become `unsupported` messages or ignored items.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
 */

export interface ParsedStatus extends DeliveryStatusUpdate {
  /** The patient's wa_id (for identityUnreachable); never logged above debug. */
  recipientId?: string;
  /** Meta's numeric error code for failed deliveries, e.g. 131026. */
  errorCode?: number;
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: ParsedStatus[];
  ignored: { reason: string; id?: string }[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** Number() throws on such JSON too: only numbers and numeric strings are read as numbers. */
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN);
/** For reasons in logs: String() throws on JSON like {"toString":1}, so objects are only named. */
const shown = (v: unknown): string =>
  v !== null && typeof v === 'object' ? (Array.isArray(v) ? 'array' : 'object') : String(v);

const MEDIA_TYPES = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
} as const;

/** Message types that are not a patient writing to us: stored nowhere, answered with nothing. */
const IGNORED_TYPES: Record<string, string> = {
  reaction: 'reaction to an earlier message',
  system: 'system notice (e.g. the patient changed number)',
  request_welcome: 'chat opened, no message yet',
  ephemeral: 'disappearing-message setting',
};

export function parseWebhook(payload: unknown, options: { phoneNumberId?: string; now: Date }): ParsedWebhook {
  const result: ParsedWebhook = { messages: [], statuses: [], ignored: [] };
  const body = obj(payload);
  if (body.object !== 'whatsapp_business_account') {
    result.ignored.push({ reason: `object ${shown(body.object ?? 'missing')} is not whatsapp_business_account` });
    return result;
  }
  for (const entry of arr(body.entry)) {
    for (const change of arr(obj(entry).changes)) {
      const { field, value } = obj(change);
      if (field !== 'messages') {
        result.ignored.push({ reason: `field ${shown(field)}` });
        continue;
      }
      parseValue(obj(value), options, result);
    }
  }
  return result;
}

function parseValue(value: Json, options: { phoneNumberId?: string; now: Date }, result: ParsedWebhook): void {
  const phoneNumberId = str(obj(value.metadata).phone_number_id);
  // One app can serve several business numbers; this channel answers for its own only.
  if (options.phoneNumberId && phoneNumberId && phoneNumberId !== options.phoneNumberId) {
    result.ignored.push({ reason: 'another business phone number' });
    return;
  }
  const names = new Map<string, string>();
  for (const contact of arr(value.contacts)) {
    const waId = str(obj(contact).wa_id);
    const name = str(obj(obj(contact).profile).name);
    if (waId && name) names.set(waId, name);
  }
  for (const raw of arr(value.messages)) {
    const message = obj(raw);
    const id = str(message.id);
    const from = str(message.from);
    if (!id || !from) {
      result.ignored.push({ reason: 'message without id or sender' });
      continue;
    }
    const type = str(message.type) ?? 'unknown';
    if (IGNORED_TYPES[type]) {
      result.ignored.push({ reason: IGNORED_TYPES[type], id });
      continue;
    }
    const displayName = names.get(from);
    result.messages.push({
      id,
      channel: 'whatsapp',
      key: `whatsapp:${from}`,
      from: { externalId: from, ...(displayName && { displayName }) },
      receivedAt: timestampOf(message.timestamp, options.now),
      content: contentOf(type, message),
      // The last inbound wamid: read receipts and typing indicators refer to it.
      replyContext: { messageId: id },
      raw,
    });
  }
  for (const raw of arr(value.statuses)) {
    const status = obj(raw);
    const id = str(status.id);
    const kind = str(status.status);
    if (!id || (kind !== 'sent' && kind !== 'delivered' && kind !== 'read' && kind !== 'failed')) {
      result.ignored.push({ reason: `status ${String(kind)}`, ...(id && { id }) });
      continue;
    }
    const error = obj(arr(status.errors)[0]);
    const code = typeof error.code === 'number' ? error.code : undefined;
    const title = str(error.title) ?? str(error.message);
    const recipientId = str(status.recipient_id);
    result.statuses.push({
      channel: 'whatsapp',
      platformMessageId: id,
      status: kind,
      ...(kind === 'failed' && { error: [code, title].filter((p) => p !== undefined).join(': ') || 'failed' }),
      ...(code !== undefined && { errorCode: code }),
      ...(recipientId && { recipientId }),
      at: timestampOf(status.timestamp, options.now),
    });
  }
  for (const raw of arr(value.errors)) {
    result.ignored.push({ reason: `platform error ${shown(obj(raw).code ?? '')}`.trim() });
  }
}

function contentOf(type: string, message: Json): InboundContent {
  if (type === 'text') {
    const text = str(obj(message.text).body);
    return text !== undefined ? { kind: 'text', text } : { kind: 'unsupported', platformType: 'text:empty' };
  }
  if (type === 'interactive') {
    const interactive = obj(message.interactive);
    const kind = str(interactive.type) ?? 'unknown';
    // Reply buttons and list rows carry the id we gave them when sending.
    if (kind === 'button_reply' || kind === 'list_reply') {
      const reply = obj(interactive[kind]);
      const choiceId = str(reply.id);
      const label = str(reply.title);
      if (choiceId) return { kind: 'choice', choiceId, ...(label && { label }) };
    }
    return { kind: 'unsupported', platformType: `interactive:${kind}` };
  }
  if (type === 'button') {
    // A quick-reply button of a template message: the payload is what the template declared.
    const button = obj(message.button);
    const label = str(button.text);
    const choiceId = str(button.payload) ?? label;
    if (choiceId) return { kind: 'choice', choiceId, ...(label && { label }) };
    return { kind: 'unsupported', platformType: 'button:empty' };
  }
  if (type in MEDIA_TYPES) {
    const media = obj(message[type]);
    const mediaId = str(media.id);
    const caption = str(media.caption) ?? str(media.filename);
    return {
      kind: 'media',
      media: MEDIA_TYPES[type as keyof typeof MEDIA_TYPES],
      // The media id: educators (or a later download job) fetch the file with GET /<media id>.
      ref: mediaId ? `whatsapp-media:${mediaId}` : 'whatsapp-media:unknown',
      ...(caption && { caption }),
    };
  }
  if (type === 'location') {
    const location = obj(message.location);
    const place = [str(location.name), str(location.address)].filter(Boolean).join(', ');
    return {
      kind: 'media',
      media: 'location',
      ref: `geo:${num(location.latitude)},${num(location.longitude)}`,
      ...(place && { caption: place }),
    };
  }
  // contacts, order, unsupported (Meta's own "type unknown", code 131051) and anything newer.
  const detail = type === 'unsupported' ? str(obj(message.unsupported).type) : undefined;
  return { kind: 'unsupported', platformType: detail ? `unsupported:${detail}` : type };
}

/** Meta's timestamps are Unix seconds as strings; a bad or future one falls back to now. */
function timestampOf(value: unknown, now: Date): Date {
  const seconds = num(value);
  if (!Number.isFinite(seconds) || seconds <= 0) return now;
  const at = new Date(seconds * 1000);
  return at.getTime() > now.getTime() ? now : at;
}
