import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A local double of the Telegram Bot API on 127.0.0.1, for telegraf's `apiRoot` option. It answers like
 * https://core.telegram.org/bots/api#making-requests — `{ ok: true, result }` or
 * `{ ok: false, error_code, description, parameters? }` — records every call, and can be scripted to answer
 * a method's next call with 429/5xx/403. getUpdates follows the documented offset rules: an update is
 * confirmed once getUpdates is called with a higher offset, and only unconfirmed updates are returned.
 */
export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
  status: number;
}

export interface ScriptedResponse {
  status: number;
  /** JSON body, or a string sent as text (Telegram's gateway answers 5xx with HTML/text). */
  body: unknown;
}

export interface TelegramDouble {
  url: string;
  token: string;
  bot: { id: number; username: string };
  calls: RecordedCall[];
  /** Successful calls of one method, in order. */
  callsTo(method: string): RecordedCall[];
  /** The next call(s) of `method` get these answers, in order ('normal': the usual answer). */
  script(method: string, ...responses: (ScriptedResponse | 'normal')[]): void;
  /** Queues an update for getUpdates (polling mode). */
  pushUpdate(update: { update_id: number }): void;
  /**
   * Holds calls before they are answered: each call (after it is recorded) waits for the gate's promise.
   * Fault tests slow a method down or keep a request open while they kill the server. `undefined` opens it.
   */
  setGate(gate: ((method: string, payload: Record<string, unknown>) => Promise<void> | void) | undefined): void;
  /** Ids of updates not yet confirmed. */
  unconfirmed(): number[];
  /** Simulates confirmations that never reached Telegram (a crash between handling and confirming). */
  forgetConfirmations(): void;
  close(): Promise<void>;
}

export const tooManyRequests = (retryAfterSeconds: number): ScriptedResponse => ({
  status: 429,
  body: {
    ok: false,
    error_code: 429,
    description: `Too Many Requests: retry after ${retryAfterSeconds}`,
    parameters: { retry_after: retryAfterSeconds },
  },
});
export const badGateway: ScriptedResponse = { status: 502, body: '<html>502 Bad Gateway</html>' };
export const blockedByUser: ScriptedResponse = {
  status: 403,
  body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
};

export const DOUBLE_TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

export interface DoubleOptions {
  token?: string;
  /** Longest a getUpdates long poll is held open (tests don't wait 50 s). */
  holdMs?: number;
  /**
   * Flood control like Telegram's: more than this many sendMessage calls within one second are answered
   * 429 (retry_after 1). Off unless given.
   */
  maxMessagesPerSecond?: number;
}

export async function startTelegramDouble(options: DoubleOptions = {}): Promise<TelegramDouble> {
  const token = options.token ?? DOUBLE_TOKEN;
  const holdMs = options.holdMs ?? 200;
  const sentAt: number[] = [];
  const bot = { id: Number(token.split(':')[0]), username: 'SehatTestBot' };
  const calls: RecordedCall[] = [];
  const scripts = new Map<string, (ScriptedResponse | 'normal')[]>();
  const updates: { update_id: number }[] = [];
  const confirmed = new Set<number>();
  const waiters = new Set<() => void>();
  const messageIds = new Map<string, number>();
  let gate: Parameters<TelegramDouble['setGate']>[0];

  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
    res.end(text);
  };
  const ok = (res: ServerResponse, result: unknown) => send(res, 200, { ok: true, result });

  const pending = (offset: number | undefined, limit: number) =>
    updates
      .filter((u) => !confirmed.has(u.update_id) && (offset === undefined || u.update_id >= offset))
      .slice(0, limit);

  function getUpdates(payload: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) {
    const offset = typeof payload.offset === 'number' ? payload.offset : undefined;
    if (offset !== undefined) for (const u of updates) if (u.update_id < offset) confirmed.add(u.update_id);
    const limit = typeof payload.limit === 'number' ? payload.limit : 100;
    const timeoutMs = Math.min(Number(payload.timeout ?? 0) * 1000, holdMs);
    const now = pending(offset, limit);
    if (now.length > 0 || timeoutMs === 0) return ok(res, now);
    // Long poll: answer when an update arrives or the (shortened) timeout passes.
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(finish);
      ok(res, pending(offset, limit));
    };
    const timer = setTimeout(finish, timeoutMs);
    waiters.add(finish);
    req.on('close', () => {
      clearTimeout(timer);
      waiters.delete(finish);
    });
  }

  function answer(method: string, payload: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) {
    switch (method) {
      case 'getMe':
        return ok(res, { id: bot.id, is_bot: true, first_name: 'Sehat', username: bot.username });
      case 'getUpdates':
        return getUpdates(payload, req, res);
      case 'setWebhook':
      case 'deleteWebhook':
      case 'setMyCommands':
      case 'answerCallbackQuery':
      case 'sendChatAction':
        return ok(res, true);
      case 'sendMessage': {
        const chatId = String(payload.chat_id);
        const id = (messageIds.get(chatId) ?? 1000) + 1;
        messageIds.set(chatId, id);
        return ok(res, {
          message_id: id,
          from: { id: bot.id, is_bot: true, first_name: 'Sehat', username: bot.username },
          chat: { id: Number(chatId), type: Number(chatId) < 0 ? 'supergroup' : 'private' },
          date: Math.floor(Date.now() / 1000),
          text: String(payload.text ?? '').replace(/<[^>]*>/g, ''),
          ...(payload.reply_markup !== undefined && { reply_markup: payload.reply_markup }),
        });
      }
      default:
        return send(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (!match || match[1] !== token)
        return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = match[2] as string;
      let payload: Record<string, unknown> = {};
      try {
        payload = raw ? JSON.parse(raw) : {};
      } catch {
        return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
      }
      const next = scripts.get(method)?.shift();
      let scripted = next === 'normal' ? undefined : next;
      if (!scripted && method === 'sendMessage' && options.maxMessagesPerSecond !== undefined) {
        const now = Date.now();
        while (sentAt.length > 0 && (sentAt[0] as number) <= now - 1000) sentAt.shift();
        if (sentAt.length >= options.maxMessagesPerSecond) scripted = tooManyRequests(1);
        else sentAt.push(now);
      }
      calls.push({ method, payload, status: scripted?.status ?? 200 });
      if (scripted) return send(res, scripted.status, scripted.body);
      if (!gate) return answer(method, payload, req, res);
      Promise.resolve(gate(method, payload)).then(
        () => answer(method, payload, req, res),
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    bot,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method && c.status === 200),
    script(method, ...responses) {
      scripts.set(method, [...(scripts.get(method) ?? []), ...responses]);
    },
    pushUpdate(update) {
      updates.push(update);
      for (const wake of [...waiters]) wake();
    },
    setGate(g) {
      gate = g;
    },
    unconfirmed: () => updates.filter((u) => !confirmed.has(u.update_id)).map((u) => u.update_id),
    forgetConfirmations: () => confirmed.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of [...waiters]) wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A recorded update fixture (tests/fixtures/telegram/<name>.json), optionally with other ids. */
export function telegramFixture<T = Record<string, unknown>>(
  name: string,
  ids: { updateId?: number; chatId?: number; messageId?: number; text?: string; languageCode?: string } = {},
): T {
  const update = JSON.parse(readFileSync(join('tests', 'fixtures', 'telegram', `${name}.json`), 'utf8'));
  if (ids.updateId !== undefined) update.update_id = ids.updateId;
  const body = update.message ?? update.callback_query?.message ?? update.my_chat_member ?? update.edited_message;
  const user = update.message?.from ?? update.callback_query?.from ?? update.my_chat_member?.from;
  if (ids.chatId !== undefined && body) {
    body.chat = { ...body.chat, id: ids.chatId };
    if (user) user.id = ids.chatId;
  }
  if (ids.messageId !== undefined && update.message) update.message.message_id = ids.messageId;
  if (ids.messageId !== undefined && update.callback_query) update.callback_query.id = `cbq-${ids.messageId}`;
  if (ids.text !== undefined && update.message) update.message.text = ids.text;
  if (ids.languageCode !== undefined && user) user.language_code = ids.languageCode;
  return update as T;
}
