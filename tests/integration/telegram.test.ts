import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { htmlToPlain } from '../../adapters/telegram/format.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { parseFrontMatter } from '../../src/knowledge/front-matter.ts';
import {
  badGateway,
  blockedByUser,
  startTelegramDouble,
  type TelegramDouble,
  telegramFixture,
  tooManyRequests,
} from '../support/telegram-double.ts';

/**
 * The Telegram channel end to end: the real app (engine, CRM, hand-off) with telegraf pointed at a local
 * double of the Bot API, and webhook updates shaped like Telegram's (tests/fixtures/telegram).
 */
const SECRET = 'sehat_test_webhook_secret_0123456789';
const ANSWER_POLL = { timeout: 10_000, interval: 50 };

function summaryOf(path: string): string {
  const data = parseFrontMatter(readFileSync(path, 'utf8')).data as { summary: string };
  return String(data.summary).trim();
}

interface Running {
  app: App;
  url: string;
  post(update: unknown, secret?: string | null): Promise<Response>;
}

async function startApp(double: TelegramDouble, env: Record<string, string> = {}): Promise<Running> {
  const app = await createApp(
    parseEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: 'sqlite::memory:',
      KB_HOT_RELOAD: 'false',
      LOG_LEVEL: 'silent',
      EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      WEBCHAT_ENABLED: 'false',
      PUBLIC_URL: 'https://sehat.example.org',
      TELEGRAM_BOT_TOKEN: double.token,
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: double.url,
      ...env,
    }),
    { greetOnFirstContact: false },
  );
  const { url } = await app.start();
  return {
    app,
    url,
    post: (update, secret = SECRET) =>
      fetch(`${url}/webhooks/telegram`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret !== null && { 'x-telegram-bot-api-secret-token': secret }),
        },
        body: typeof update === 'string' ? update : JSON.stringify(update),
      }),
  };
}

/** The texts Telegram was asked to show in a chat, as the patient reads them. */
function shownIn(double: TelegramDouble, chatId: number): string[] {
  return double
    .callsTo('sendMessage')
    .filter((c) => String(c.payload.chat_id) === String(chatId))
    .map((c) => htmlToPlain(String(c.payload.text)));
}

let nextId = 20_000;
const ids = (chatId: number) => ({ updateId: ++nextId, messageId: nextId, chatId });

describe('Telegram channel (webhook mode)', () => {
  let double: TelegramDouble;
  let running: Running | undefined;
  beforeEach(async () => {
    double = await startTelegramDouble();
  });
  afterEach(async () => {
    await running?.app.stop();
    running = undefined;
    await double.close();
  });

  it('registers the webhook with a secret token and the command menu in each language at start-up', async () => {
    running = await startApp(double);
    expect(double.callsTo('setWebhook')).toMatchObject([
      {
        payload: {
          url: 'https://sehat.example.org/webhooks/telegram',
          secret_token: SECRET,
          allowed_updates: ['message', 'callback_query', 'my_chat_member'],
        },
      },
    ]);
    expect(double.callsTo('deleteWebhook')).toEqual([]);
    const menus = double.callsTo('setMyCommands').map((c) => c.payload);
    expect(menus.map((m) => m.language_code)).toEqual(['en', 'id', undefined]);
    for (const menu of menus)
      expect((menu.commands as { command: string }[]).map((c) => c.command)).toEqual([
        'start',
        'help',
        'lang',
        'human',
        'mydata',
        'stop',
      ]);
    const indonesian = menus[1]?.commands as { command: string; description: string }[];
    expect(indonesian.find((c) => c.command === 'human')?.description).toMatch(/edukator/);
  });

  it('answers "what is dengue?" with the summary, the source and a More button; More gives the next section', async () => {
    running = await startApp(double);
    const chatId = 3001;
    const response = await running.post(telegramFixture('message-text', ids(chatId)));
    expect(response.status).toBe(200);
    await expect.poll(() => double.callsTo('sendMessage').length, ANSWER_POLL).toBe(1);
    const [answer] = double.callsTo('sendMessage');
    expect(answer?.payload).toMatchObject({
      chat_id: String(chatId),
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'More', callback_data: 'more:dengue' }]] },
    });
    const text = String(answer?.payload.text);
    expect(htmlToPlain(text).replace(/\s+/g, ' ')).toContain(summaryOf('knowledge/en/dengue.md').replace(/\s+/g, ' '));
    expect(text).toContain('<a href="https://www.who.int/news-room/fact-sheets/detail/dengue-and-severe-dengue">');
    // The bot showed it was typing before it answered.
    const order = double.calls.map((c) => c.method).filter((m) => m === 'sendChatAction' || m === 'sendMessage');
    expect(order.slice(0, 2)).toEqual(['sendChatAction', 'sendMessage']);
    expect(double.callsTo('sendChatAction')[0]?.payload).toMatchObject({ chat_id: String(chatId), action: 'typing' });

    // The patient presses More.
    const press = telegramFixture('callback-query', ids(chatId));
    const pressed = await running.post(press);
    expect(pressed.status).toBe(200);
    await expect.poll(() => double.callsTo('sendMessage').length, ANSWER_POLL).toBe(2);
    expect(String(double.callsTo('sendMessage')[1]?.payload.text)).toMatch(/^<b>Home care<\/b>/);
    await expect
      .poll(() => double.callsTo('answerCallbackQuery').map((c) => c.payload.callback_query_id), ANSWER_POLL)
      .toEqual([`cbq-${nextId}`]);
    const conversation = await running.app.crm.findConversationByKey(`telegram:${chatId}`);
    const stored = await running.app.crm.listMessages(conversation?.id ?? '');
    expect(stored.filter((m) => m.direction === 'in').map((m) => m.content)).toEqual([
      { kind: 'text', text: 'what is dengue?' },
      { kind: 'choice', choiceId: 'more:dengue', label: 'More' },
    ]);
  });

  it('refuses a wrong or missing secret token with 401 and stores nothing', async () => {
    running = await startApp(double);
    const chatId = 3002;
    const update = telegramFixture('message-text', ids(chatId));
    expect((await running.post(update, 'wrong_secret_wrong_secret_wrong_s')).status).toBe(401);
    expect((await running.post(update, null)).status).toBe(401);
    expect((await running.post(update, '')).status).toBe(401);
    await running.app.queue.idle();
    expect(await running.app.crm.findConversationByKey(`telegram:${chatId}`)).toBeUndefined();
    expect(double.callsTo('sendMessage')).toEqual([]);
    // Malformed bodies are 400, other methods 405 — still nothing stored.
    expect((await running.post('{not json')).status).toBe(400);
    expect((await running.post({ hello: 'world' })).status).toBe(400);
    expect((await fetch(`${running.url}/webhooks/telegram`)).status).toBe(405);
  });

  it('stores and answers an update delivered three times once', async () => {
    running = await startApp(double);
    const chatId = 3003;
    const update = telegramFixture('message-text', ids(chatId));
    // Two redeliveries race the first; a third comes after it was handled.
    const statuses = await Promise.all([running.post(update), running.post(update)]);
    await running.app.queue.idle();
    statuses.push(await running.post(update));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    await expect.poll(() => double.callsTo('sendMessage').length, ANSWER_POLL).toBe(1);
    await running.app.queue.idle();
    const conversation = await running.app.crm.findConversationByKey(`telegram:${chatId}`);
    const stored = await running.app.crm.listMessages(conversation?.id ?? '');
    expect(stored.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(stored.filter((m) => m.direction === 'out')).toHaveLength(1);
    expect(double.callsTo('sendMessage')).toHaveLength(1);
  });

  it('/human opens a hand-off, and the educator’s reply arrives in Telegram with their name', async () => {
    running = await startApp(double);
    const chatId = 3004;
    await running.post(telegramFixture('message-command', ids(chatId)));
    const conversation = await expect
      .poll(() => running?.app.crm.findConversationByKey(`telegram:${chatId}`), ANSWER_POLL)
      .toBeTruthy()
      .then(() => running?.app.crm.findConversationByKey(`telegram:${chatId}`));
    await expect
      .poll(() => running?.app.handoffStore.findOpenHandoff(conversation?.id ?? ''), ANSWER_POLL)
      .toMatchObject({ reason: 'human_request' });
    await expect.poll(() => shownIn(double, chatId).join('\n'), ANSWER_POLL).toMatch(/number 1 in the queue/);
    expect(shownIn(double, chatId)[0]).toMatch(/ask a health educator to join/);

    const app = running.app;
    const handoff = await app.handoffStore.findOpenHandoff(conversation?.id ?? '');
    const rina = await app.handoffStore.createEducator({
      username: 'rina',
      displayName: 'Ns. Rina',
      passwordHash: 'x',
      at: new Date(),
    });
    await app.handoff.claim(handoff?.id ?? '', rina);
    await app.handoff.reply(handoff?.id ?? '', rina, 'Halo, ada yang bisa saya bantu?');
    await expect
      .poll(() => double.callsTo('sendMessage').map((c) => String(c.payload.text)), ANSWER_POLL)
      .toContain('<b>Ns. Rina:</b> Halo, ada yang bisa saya bantu?');
  });

  it('waits as long as a 429 asks (retry_after: 2), then sends the message once', async () => {
    running = await startApp(double);
    const chatId = 3005;
    double.script('sendMessage', tooManyRequests(2));
    await running.post(telegramFixture('message-text', ids(chatId)));
    await expect.poll(() => double.callsTo('sendMessage').length, ANSWER_POLL).toBe(1);
    const sends = double.calls.filter((c) => c.method === 'sendMessage');
    expect(sends.map((c) => c.status)).toEqual([429, 200]);
    expect(sends[1]?.payload).toEqual(sends[0]?.payload);
    await running.app.queue.idle();
    const conversation = await running.app.crm.findConversationByKey(`telegram:${chatId}`);
    const out = (await running.app.crm.listMessages(conversation?.id ?? '')).filter((m) => m.direction === 'out');
    expect(out).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('does not repeat the part of a long reply that was already delivered when a later part is retried', async () => {
    running = await startApp(double);
    const telegram = running.app.channels.get('telegram');
    const paragraph = (n: number) => `Paragraph ${n}. ${'Drink clean water and rest. '.repeat(100)}`;
    const message = {
      key: 'telegram:3012' as const,
      sender: { kind: 'bot' as const },
      parts: [{ kind: 'text' as const, markdown: [1, 2, 3, 4].map(paragraph).join('\n\n') }],
      correlationId: 'long-1',
    };
    double.script('sendMessage', 'normal', tooManyRequests(1));
    await expect(telegram?.send(message)).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterMs: 1000 },
    });
    // The outbox retries with the same parts: the messages not yet delivered go out, the first is not repeated.
    const result = await telegram?.send(message);
    const attempts = double.calls
      .filter((c) => c.method === 'sendMessage')
      .map((c) => `${c.status} ${htmlToPlain(String(c.payload.text)).slice(0, 11)}`);
    expect(attempts).toEqual([
      '200 Paragraph 1',
      '429 Paragraph 2',
      '200 Paragraph 2',
      '200 Paragraph 3',
      '200 Paragraph 4',
    ]);
    expect(result?.platformMessageIds).toHaveLength(4);
  });

  it('retries a send that met a Telegram server error (5xx) with backoff', async () => {
    running = await startApp(double);
    const chatId = 3011;
    double.script('sendMessage', badGateway);
    await running.post(telegramFixture('message-text', ids(chatId)));
    await expect.poll(() => double.callsTo('sendMessage').length, ANSWER_POLL).toBe(1);
    expect(double.calls.filter((c) => c.method === 'sendMessage').map((c) => c.status)).toEqual([502, 200]);
  });

  it('refuses to start with a token Telegram rejects, naming TELEGRAM_BOT_TOKEN', async () => {
    const app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        WEBCHAT_ENABLED: 'false',
        TELEGRAM_BOT_TOKEN: '7000000001:AAwrongwrongwrongwrongwrongwrong',
        TELEGRAM_API_ROOT: double.url,
      }),
    );
    try {
      await expect(app.start()).rejects.toThrow(/TELEGRAM_BOT_TOKEN was rejected/);
    } finally {
      await app.stop();
    }
  });

  it('paces a broadcast to many patients so Telegram never answers 429', async () => {
    // A stricter double: Telegram's flood control ("about 30 messages per second"), with a little slack.
    await double.close();
    double = await startTelegramDouble({ maxMessagesPerSecond: 33 });
    running = await startApp(double);
    const telegram = running.app.channels.get('telegram');
    const chats = Array.from({ length: 70 }, (_, i) => 5000 + i);
    const results = await Promise.all(
      chats.map((chat) =>
        telegram?.send({
          key: `telegram:${chat}`,
          sender: { kind: 'bot' },
          parts: [{ kind: 'text', markdown: 'The clinic is closed on Friday for a public holiday.' }],
          correlationId: `broadcast-${chat}`,
        }),
      ),
    );
    expect(results.every((r) => r?.platformMessageIds.length === 1)).toBe(true);
    expect(double.calls.filter((c) => c.method === 'sendMessage').map((c) => c.status)).toEqual(chats.map(() => 200));
  });

  it('tells a patient who sends a photo that it reads text, and keeps the file reference for educators', async () => {
    running = await startApp(double);
    const chatId = 3006;
    await running.post(telegramFixture('message-photo', ids(chatId)));
    await expect
      .poll(() => shownIn(double, chatId), ANSWER_POLL)
      .toEqual(['Thank you. I can only read text messages, but a health educator will be able to see your file.']);
    const conversation = await running.app.crm.findConversationByKey(`telegram:${chatId}`);
    const [inbound] = await running.app.crm.listMessages(conversation?.id ?? '');
    expect(inbound?.content).toEqual({
      kind: 'media',
      media: 'image',
      ref: 'telegram-file:AgACAgQAAxkBAAIBZ2large',
      caption: 'my rash',
    });
  });

  it("seeds the patient's language from Telegram's language_code", async () => {
    running = await startApp(double);
    const chatId = 3007;
    await running.post(telegramFixture('message-text', { ...ids(chatId), text: '/start', languageCode: 'id' }));
    await expect.poll(() => shownIn(double, chatId).join('\n'), ANSWER_POLL).toMatch(/^Halo! Saya asisten/);
    const conversation = await running.app.crm.findConversationByKey(`telegram:${chatId}`);
    expect(conversation?.language).toBe('id');
  });

  it('ignores edited messages, channel posts and (unless allowed) group chats, with a 200', async () => {
    running = await startApp(double);
    for (const name of ['edited-message', 'channel-post', 'message-group', 'message-reaction'])
      expect((await running.post(telegramFixture(name, { updateId: ++nextId }))).status).toBe(200);
    await running.app.queue.idle();
    expect(await running.app.crm.findConversationByKey('telegram:1111111')).toBeUndefined();
    expect(await running.app.crm.findConversationByKey('telegram:-1001234567890')).toBeUndefined();
    expect(double.callsTo('sendMessage')).toEqual([]);
  });

  it('answers in a group chat when TELEGRAM_ALLOW_GROUPS is on', async () => {
    running = await startApp(double, { TELEGRAM_ALLOW_GROUPS: 'true' });
    await running.post(telegramFixture('message-group', { updateId: ++nextId }));
    await expect.poll(() => shownIn(double, -1001234567890).length, ANSWER_POLL).toBe(1);
  });

  it('marks the patient unreachable when they block the bot, or when a send says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sehat-telegram-'));
    const file = join(dir, 'crm.db');
    running = await startApp(double, { DATABASE_URL: `sqlite:${file}` });
    const unreachable = (chatId: number) => {
      const db = new Database(file, { readonly: true });
      try {
        const row = db
          .prepare("SELECT unreachable FROM contact_identities WHERE channel = 'telegram' AND external_id = ?")
          .get(String(chatId)) as { unreachable: number } | undefined;
        return row?.unreachable;
      } finally {
        db.close();
      }
    };
    // my_chat_member: the bot was blocked.
    await running.post(telegramFixture('message-text', ids(3008)));
    await expect.poll(() => double.callsTo('sendMessage').length, ANSWER_POLL).toBe(1);
    expect(unreachable(3008)).toBe(0);
    const blocked = telegramFixture<{ my_chat_member: { chat: { id: number } } }>('my-chat-member-blocked', {
      updateId: ++nextId,
    });
    blocked.my_chat_member.chat.id = 3008;
    expect((await running.post(blocked)).status).toBe(200);
    await expect.poll(() => unreachable(3008), ANSWER_POLL).toBe(1);

    // A send refused with 403 "bot was blocked by the user": failed, not retried, identity marked.
    double.script('sendMessage', blockedByUser);
    await running.post(telegramFixture('message-text', ids(3009)));
    await expect.poll(() => unreachable(3009), ANSWER_POLL).toBe(1);
    await running.app.queue.idle();
    const conversation = await running.app.crm.findConversationByKey('telegram:3009');
    const out = (await running.app.crm.listMessages(conversation?.id ?? '')).filter((m) => m.direction === 'out');
    expect(out).toMatchObject([{ status: 'failed', attempts: 1 }]);
    expect(double.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === '3009')).toHaveLength(1);
  });

  it('answers 503 when the message cannot be stored, so Telegram delivers it again', async () => {
    running = await startApp(double);
    await running.app.crm.close();
    const response = await running.post(telegramFixture('message-text', ids(3010)));
    expect(response.status).toBe(503);
  });
});

describe('Telegram channel (long polling)', () => {
  let double: TelegramDouble;
  const apps: App[] = [];
  beforeEach(async () => {
    double = await startTelegramDouble();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop().catch(() => {});
    await double.close();
  });

  it('deletes the webhook, polls with offsets, and processes no update twice across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sehat-telegram-'));
    const env = {
      TELEGRAM_MODE: 'polling',
      TELEGRAM_WEBHOOK_SECRET: '',
      DATABASE_URL: `sqlite:${join(dir, 'crm.db')}`,
    };
    const chatId = 4001;
    double.pushUpdate(telegramFixture('message-text', { updateId: 500, messageId: 77, chatId }));

    const first = await startApp(double, env);
    apps.push(first.app);
    expect(double.callsTo('deleteWebhook')).toMatchObject([{ payload: { drop_pending_updates: false } }]);
    expect(double.callsTo('setWebhook')).toEqual([]);
    await expect.poll(() => shownIn(double, chatId).length, ANSWER_POLL).toBe(1);
    // The next getUpdates confirms update 500.
    await expect.poll(() => double.callsTo('getUpdates').some((c) => c.payload.offset === 501), ANSWER_POLL).toBe(true);
    // Webhook requests are refused in polling mode.
    expect((await first.post(telegramFixture('message-text', ids(chatId)))).status).toBe(404);
    await first.app.stop();
    apps.pop();
    expect(double.unconfirmed()).toEqual([]);

    // A crash between handling and confirming: Telegram hands update 500 out again, with a new one.
    double.forgetConfirmations();
    double.pushUpdate(telegramFixture('message-text', { updateId: 501, messageId: 78, chatId, text: '/help' }));
    expect(double.unconfirmed()).toEqual([500, 501]);
    const second = await startApp(double, env);
    apps.push(second.app);
    await expect.poll(() => shownIn(double, chatId).length, ANSWER_POLL).toBe(2);
    expect(shownIn(double, chatId)[1]).toMatch(/You can ask me about health topics/);
    await expect.poll(() => double.callsTo('getUpdates').some((c) => c.payload.offset === 502), ANSWER_POLL).toBe(true);
    await second.app.queue.idle();
    expect(shownIn(double, chatId)).toHaveLength(2);
    const conversation = await second.app.crm.findConversationByKey(`telegram:${chatId}`);
    const inbound = (await second.app.crm.listMessages(conversation?.id ?? '')).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => m.text)).toEqual(['what is dengue?', '/help']);
  });
});
