import { createHmac } from 'node:crypto';

/**
 * Webhook bodies shaped exactly like the platforms' (WhatsApp Cloud API `messages` webhooks, signed with
 * X-Hub-Signature-256; Telegram updates with the secret-token header), built fast enough for load generation.
 */
export const BENCH_WA = {
  phoneNumberId: '1098765432101',
  appSecret: 'bench-app-secret-0123456789abcdef',
  verifyToken: 'bench-verify-token',
  accessToken: 'bench-access-token',
};
export const BENCH_TG = {
  botToken: '123456789:AAEbenchbenchbenchbenchbenchbench00',
  secret: 'bench-telegram-secret-0123456789',
};

export const sign = (body: string, secret = BENCH_WA.appSecret) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function waId(i: number): string {
  return `62812${String(10_000_000 + i)}`;
}

export function whatsappMessage(from: string, messageId: string, text: string, seconds: number): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: BENCH_WA.phoneNumberId },
              contacts: [{ profile: { name: `Patient ${from.slice(-4)}` }, wa_id: from }],
              messages: [{ from, id: messageId, timestamp: String(seconds), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

export function whatsappStatus(
  recipient: string,
  wamid: string,
  status: 'sent' | 'delivered' | 'read',
  seconds: number,
): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: BENCH_WA.phoneNumberId },
              statuses: [
                {
                  id: wamid,
                  status,
                  timestamp: String(seconds),
                  recipient_id: recipient,
                  ...(status !== 'read' && {
                    conversation: { id: 'CONVERSATION_ID', origin: { type: 'service' } },
                    pricing: { billable: true, pricing_model: 'PMP', category: 'service' },
                  }),
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

export function telegramUpdate(
  updateId: number,
  chatId: number,
  messageId: number,
  text: string,
  seconds: number,
): string {
  return JSON.stringify({
    update_id: updateId,
    message: {
      message_id: messageId,
      from: { id: chatId, is_bot: false, first_name: 'Patient', language_code: 'en' },
      chat: { id: chatId, first_name: 'Patient', type: 'private' },
      date: seconds,
      text,
    },
  });
}

export interface WebhookRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The patient (wa_id or chat id): replies are joined to webhooks by it. */
  tag: string;
}

/** The n-th inbound message of a run: patient n mod pool, a question from the list. */
export function inboundRequest(
  channel: 'whatsapp' | 'telegram',
  n: number,
  options: { run: string; pool: number; poolOffset?: number; questions: string[] },
): WebhookRequest {
  const patient = (options.poolOffset ?? 0) + (n % options.pool);
  const text = options.questions[(n * 7919) % options.questions.length] as string;
  const seconds = Math.floor(Date.now() / 1000);
  if (channel === 'whatsapp') {
    const from = waId(patient);
    const body = whatsappMessage(from, `wamid.bench.${options.run}.${n}`, text, seconds);
    return {
      path: '/webhooks/whatsapp',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
      body,
      tag: from,
    };
  }
  const chatId = 500_000_000 + patient;
  const runNumber = Number.parseInt(options.run.replace(/\D/g, '').slice(-6) || '0', 10);
  const body = telegramUpdate(runNumber * 1_000_000 + n, chatId, runNumber * 1_000_000 + n, text, seconds);
  return {
    path: '/webhooks/telegram',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': BENCH_TG.secret },
    body,
    tag: String(chatId),
  };
}
