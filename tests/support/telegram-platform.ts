import { htmlToPlain } from '../../adapters/telegram/format.ts';
import type { TelegramDouble } from './telegram-double.ts';

/**
 * The Telegram side of fault tests: builds updates shaped like Telegram's and delivers them to a webhook
 * the way Telegram does — a non-2xx answer (or no answer) means "not delivered", and the same update is
 * delivered again later, until a 2xx (here bounded in attempts and time, so a broken server fails the test
 * instead of hanging it). @see https://core.telegram.org/bots/api#setwebhook
 */
export const WEBHOOK_SECRET = 'sehat_fault_webhook_secret_0123456789';

export function textUpdate(updateId: number, chatId: number, messageId: number, text: string): { update_id: number } {
  return {
    update_id: updateId,
    message: {
      message_id: messageId,
      from: { id: chatId, is_bot: false, first_name: 'Patient', last_name: String(chatId), language_code: 'en' },
      chat: { id: chatId, first_name: 'Patient', last_name: String(chatId), type: 'private' },
      date: Math.floor(Date.now() / 1000),
      text,
    },
  } as { update_id: number };
}

export interface Attempt {
  status: number;
  /** When the answer came, ms since the delivery run started. */
  atMs: number;
  /** 'network' when the request itself failed (connection refused or reset, timeout). */
  error?: string;
}

export interface DeliveryReport {
  attempts: Map<number, Attempt[]>;
  /** Update ids that never got a 2xx within the bounds. */
  undelivered: number[];
  /** Every status seen (0 = no HTTP answer). */
  statuses(): number[];
}

export interface DeliverOptions {
  /**
   * The server's base URL; a function to pick one per update (several processes behind a load balancer) or
   * when it changes (a server restarted on another port).
   */
  url: string | ((update: { update_id: number }) => string);
  secret?: string;
  /** Delivers at most this many updates at once (Telegram's max_connections defaults to 40). */
  concurrency?: number;
  /** Delay between starting two updates, so the burst spans the faults. */
  spacingMs?: number;
  maxAttempts?: number;
  /** Stop redelivering after this long (the test fails on what was left undelivered). */
  deadlineMs?: number;
  requestTimeoutMs?: number;
  /** Called with the number of updates acknowledged so far, after each acknowledgement. */
  onAck?(acknowledged: number): void;
}

export async function deliverUpdates(
  updates: { update_id: number }[],
  options: DeliverOptions,
): Promise<DeliveryReport> {
  const {
    url,
    secret = WEBHOOK_SECRET,
    concurrency = 8,
    spacingMs = 0,
    maxAttempts = 60,
    deadlineMs = 120_000,
    requestTimeoutMs = 15_000,
  } = options;
  const started = Date.now();
  const attempts = new Map<number, Attempt[]>();
  const undelivered: number[] = [];
  let acknowledged = 0;
  let next = 0;

  async function deliverOne(update: { update_id: number }): Promise<void> {
    const log: Attempt[] = [];
    attempts.set(update.update_id, log);
    for (let attempt = 1; attempt <= maxAttempts && Date.now() - started < deadlineMs; attempt++) {
      let status = 0;
      let error: string | undefined;
      try {
        const base = typeof url === 'function' ? url(update) : url;
        const response = await fetch(`${base}/webhooks/telegram`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
          body: JSON.stringify(update),
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch (e) {
        error = (e as Error).message;
      }
      log.push({ status, atMs: Date.now() - started, ...(error && { error }) });
      if (status >= 200 && status < 300) {
        acknowledged += 1;
        options.onAck?.(acknowledged);
        return;
      }
      // Telegram backs off between attempts; shorter here so the test stays quick.
      await new Promise((r) => setTimeout(r, Math.min(2_000, 150 * 2 ** Math.min(attempt - 1, 4))));
    }
    undelivered.push(update.update_id);
  }

  const lanes = Array.from({ length: Math.min(concurrency, updates.length) }, async () => {
    while (next < updates.length) {
      const index = next++;
      const due = started + index * spacingMs;
      if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      await deliverOne(updates[index] as { update_id: number });
    }
  });
  await Promise.all(lanes);
  return {
    attempts,
    undelivered,
    statuses: () => [...attempts.values()].flatMap((log) => log.map((a) => a.status)),
  };
}

/** The sendMessage texts the double was asked to show in one chat, as the patient reads them. */
export function shownIn(double: TelegramDouble, chatId: number | string): string[] {
  return double
    .callsTo('sendMessage')
    .filter((c) => String(c.payload.chat_id) === String(chatId))
    .map((c) => htmlToPlain(String(c.payload.text)));
}

/** Per chat id: the sendMessage texts (successful calls), in the order the double received them. */
export function shownByChat(double: TelegramDouble): Map<string, string[]> {
  const byChat = new Map<string, string[]>();
  for (const call of double.callsTo('sendMessage')) {
    const chat = String(call.payload.chat_id);
    byChat.set(chat, [...(byChat.get(chat) ?? []), htmlToPlain(String(call.payload.text))]);
  }
  return byChat;
}

/** Polls until `check` returns true (or throws its last failure after `timeoutMs`). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
