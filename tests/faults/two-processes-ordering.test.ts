import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrmInspector, countByStatus, inspectCrm } from '../support/crm-inspect.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from '../support/services.ts';
import { startTelegramDouble, type TelegramDouble } from '../support/telegram-double.ts';
import { deliverUpdates, shownByChat, textUpdate, WEBHOOK_SECRET, waitFor } from '../support/telegram-platform.ts';

/**
 * Acceptance: "two processes, 1,000 messages across 100 conversations on one PostgreSQL and one Redis: every
 * conversation's replies arrive at the platform in the order of its messages, no duplicates, none missing."
 *
 * Two real `sehat serve` processes share PostgreSQL and Redis; Telegram's webhook deliveries alternate
 * between their URLs (a load balancer), so consecutive messages of one chat land on different processes.
 * Each chat asks ten different questions, each answered by a different article, so every reply at the
 * platform names the message it answers.
 */
const suite = 'two processes: 1,000 messages across 100 conversations';
const ready = (await postgresAvailable(suite)) && (await redisAvailable(suite));

const CHATS = 100;
const FIRST_CHAT = 9_300_000;
/** Question → the title of the article that answers it (checked with `sehat ask`). */
const QUESTIONS: [string, string][] = [
  ['what is dengue?', 'Dengue fever (DBD): symptoms and home care'],
  ['what is high blood pressure?', 'High blood pressure (hypertension)'],
  ['how do I use an asthma inhaler?', 'Asthma control and inhalers'],
  ['what is tuberculosis?', 'Tuberculosis (TB/TBC)'],
  ['should I get the flu vaccine?', 'Seasonal flu and the flu vaccine'],
  ['what is diabetes?', 'Diabetes: what it is, symptoms, prevention'],
  ['how can I quit smoking?', 'Quitting smoking'],
  ['what is healthy eating?', 'Healthy eating'],
  ['how much physical activity do I need?', 'Physical activity: how much do you need?'],
  ['what is HIV?', 'HIV basics, testing and treatment'],
];
const TITLES = QUESTIONS.map(([, title]) => title);
const isGreeting = (text: string) => text.startsWith("Hello! I'm the health education assistant");

describe.runIf(ready)(suite, () => {
  let database: { url: string; drop(): Promise<void> };
  let double: TelegramDouble;
  let servers: ServerProcess[] = [];
  let crm: CrmInspector;

  beforeAll(async () => {
    database = await createTestDatabase();
    double = await startTelegramDouble();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: `sehat-order-${process.pid}-${Date.now()}:`,
      WEBCHAT_ENABLED: 'false',
      PUBLIC_URL: 'https://sehat.example.org',
      EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      INBOUND_MESSAGES_PER_MINUTE: '1000',
      TELEGRAM_BOT_TOKEN: double.token,
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_API_ROOT: double.url,
    };
    // One after the other: both run the migrations on an empty database otherwise.
    servers.push(await startServerProcess(env));
    servers.push(await startServerProcess(env));
    crm = await inspectCrm(database.url);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
    await crm?.close();
    await double?.close();
    await database?.drop();
  });

  it('answers every message once, in each conversation in the order of its messages', async () => {
    let updateId = 3_000_000;
    const byChat = Array.from({ length: CHATS }, (_, c) =>
      QUESTIONS.map(([question], k) => textUpdate(updateId++, FIRST_CHAT + c, 100 + k, question)),
    );
    // Telegram sends a chat's next update once the previous one was acknowledged; chats run side by side.
    // Updates alternate between the two processes' URLs.
    const urlOf = (update: { update_id: number }) => (servers[update.update_id % 2] as ServerProcess).url;
    let nextChat = 0;
    const lanes = Array.from({ length: 20 }, async () => {
      const undelivered: number[] = [];
      while (nextChat < CHATS) {
        const chat = byChat[nextChat++] as { update_id: number }[];
        const report = await deliverUpdates(chat, { url: urlOf, concurrency: 1, maxAttempts: 10, deadlineMs: 120_000 });
        undelivered.push(...report.undelivered);
      }
      return undelivered;
    });
    expect((await Promise.all(lanes)).flat()).toEqual([]);

    const answersIn = (texts: string[]) => texts.filter((t) => TITLES.some((title) => t.startsWith(title)));
    await waitFor(
      async () => {
        const shown = shownByChat(double);
        const answered = byChat.every((_, c) => answersIn(shown.get(String(FIRST_CHAT + c)) ?? []).length >= 10);
        const counts = countByStatus(await crm.messages());
        return answered && counts['in:processed'] === CHATS * QUESTIONS.length && !counts['out:pending'];
      },
      300_000,
      'all 1,000 messages answered',
    ).catch((error) => {
      for (const s of servers) console.error(s.output().slice(-3_000));
      throw error;
    });
    await new Promise((r) => setTimeout(r, 1_500)); // a late duplicate would show up here

    // At the platform: per chat, one greeting first, then exactly the ten answers in question order.
    const shown = shownByChat(double);
    for (let c = 0; c < CHATS; c++) {
      const texts = shown.get(String(FIRST_CHAT + c)) ?? [];
      expect(texts.filter(isGreeting), `chat ${c}`).toHaveLength(1);
      expect(isGreeting(texts[0] ?? ''), `chat ${c}`).toBe(true);
      expect(
        answersIn(texts).map((t) => TITLES.find((title) => t.startsWith(title))),
        `chat ${c}`,
      ).toEqual(TITLES);
    }

    // In the CRM: 1,000 messages handled, 1,100 replies sent (greeting + ten answers per chat); in each
    // conversation the replies' correlation ids follow the messages in order.
    const messages = await crm.messages();
    expect(countByStatus(messages)).toEqual({ 'in:processed': 1_000, 'out:sent': 1_100 });
    const conversations = new Map<string, typeof messages>();
    for (const m of messages)
      conversations.set(m.conversationKey, [...(conversations.get(m.conversationKey) ?? []), m]);
    expect(conversations.size).toBe(CHATS);
    for (const [key, list] of conversations) {
      // In the order the patient sent them (Telegram's message_id), whichever process stored them.
      const inbound = list
        .filter((m) => m.direction === 'in')
        .sort((a, b) => Number(a.platformMessageId?.split(':')[1]) - Number(b.platformMessageId?.split(':')[1]))
        .map((m) => m.id);
      const answered = [...new Set(list.filter((m) => m.direction === 'out').map((m) => m.correlationId))];
      expect(answered, key).toEqual(inbound);
    }

    // Both processes did part of the work.
    for (const server of servers) expect(server.output()).toMatch(/"msg":"message handled"/);
    for (const server of servers) expect(server.child.exitCode).toBeNull();
  }, 600_000);
});
