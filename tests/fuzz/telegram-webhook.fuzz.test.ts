import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUpdate } from '../../adapters/telegram/parse.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import { startTelegramDouble, type TelegramDouble } from '../support/telegram-double.ts';

/**
 * Property-based fuzzing of the Telegram webhook: whatever arrives — garbage, any JSON, objects shaped
 * almost like updates — the parser answers and never throws, and the HTTP endpoint answers 401 (wrong
 * secret), 400 (not JSON, not an update) or 200 (an update, used or ignored): never a 5xx, never a crash.
 */
const SECRET = 'sehat_fuzz_webhook_secret_0123456789';

/** Values Telegram's fields might hold, and values they never should. */
const scalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('private', 'group', 'supergroup', 'channel', 'kicked', 'member', 'bot_command', '/start', '/help@x'),
);
/** JSON that breaks naive code: String()/Number() throw on the first two; the third is an own __proto__ key. */
const toxic = fc
  .constantFrom('{"toString":1}', '{"valueOf":{},"toString":{}}', '{"__proto__":{"polluted":1}}', '[]', '{}')
  .map((json) => JSON.parse(json) as unknown);
const loose = fc.oneof(
  scalar,
  toxic,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(scalar, toxic)),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, loose), { nil: undefined });

const user = fc.record(
  {
    id: maybe(fc.integer({ min: 1, max: 2 ** 40 })),
    is_bot: maybe(fc.boolean()),
    first_name: maybe(fc.string({ maxLength: 30 })),
    last_name: maybe(fc.string({ maxLength: 30 })),
    language_code: maybe(fc.constantFrom('en', 'id', 'ms', 'ar', 'zh-hans', '')),
  },
  { requiredKeys: [] },
);
const chat = fc.record(
  {
    id: maybe(fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
    type: maybe(fc.constantFrom('private', 'group', 'supergroup', 'channel')),
    title: maybe(fc.string({ maxLength: 30 })),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    message_id: maybe(fc.integer({ min: 1, max: 2 ** 31 })),
    date: maybe(fc.integer({ min: 0, max: 2 ** 32 })),
    chat: maybe(chat),
    from: maybe(user),
    text: maybe(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('/start', '/help@SehatTestBot', '/lang id'))),
    caption: maybe(fc.string({ maxLength: 50 })),
    entities: maybe(
      fc.array(
        fc.record({ type: fc.constantFrom('bot_command', 'url', 'bold'), offset: fc.nat(5), length: fc.nat(20) }),
        { maxLength: 2 },
      ),
    ),
    photo: maybe(fc.array(fc.record({ file_id: maybe(fc.string({ maxLength: 20 })) }), { maxLength: 3 })),
    voice: maybe(fc.record({ file_id: maybe(fc.string({ maxLength: 20 })) })),
    sticker: maybe(fc.record({ file_id: maybe(fc.string({ maxLength: 20 })), emoji: maybe(fc.string()) })),
    location: maybe(fc.record({ latitude: maybe(fc.double()), longitude: maybe(fc.double()) })),
    contact: maybe(fc.record({ phone_number: fc.string({ maxLength: 15 }) })),
    new_chat_members: maybe(fc.array(user, { maxLength: 2 })),
    reply_markup: maybe(loose),
  },
  { requiredKeys: [] },
);
const update = fc.record(
  {
    update_id: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), loose),
    message: maybe(message),
    edited_message: maybe(message),
    callback_query: maybe(
      fc.record(
        {
          id: maybe(fc.string({ maxLength: 20 })),
          data: maybe(fc.string({ maxLength: 80 })),
          from: maybe(user),
          message: maybe(message),
        },
        { requiredKeys: [] },
      ),
    ),
    my_chat_member: maybe(
      fc.record(
        { chat: maybe(chat), new_chat_member: maybe(fc.record({ status: maybe(fc.string({ maxLength: 10 })) })) },
        { requiredKeys: [] },
      ),
    ),
    poll: maybe(loose),
  },
  { requiredKeys: [] },
);
/** Updates shaped as documented (a patient writing, pressing a button, blocking the bot), random inside. */
const chatId = fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).filter((n) => n !== 0);
const validChat = fc.record({ id: chatId, type: fc.constantFrom('private', 'private', 'group', 'supergroup') });
const validUser = fc.record(
  {
    id: fc.integer({ min: 1, max: 2 ** 40 }),
    is_bot: fc.boolean(),
    first_name: fc.string({ maxLength: 30 }),
    language_code: fc.constantFrom('en', 'id', 'ms', 'ar', 'zh-hans', ''),
  },
  { requiredKeys: ['id', 'first_name'] },
);
const validMessage = fc.record(
  {
    message_id: fc.integer({ min: 1, max: 2 ** 31 }),
    date: fc.integer({ min: 0, max: 2 ** 32 }),
    chat: validChat,
    from: validUser,
    text: fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.constantFrom(
        '/start',
        '/help',
        '/help@SehatTestBot',
        '/help@OtherBot',
        '/lang id',
        '/',
        'more',
        'what is dengue?',
      ),
    ),
    photo: fc.array(fc.record({ file_id: fc.string({ maxLength: 20 }) }), { maxLength: 3 }),
    voice: fc.record({ file_id: fc.string({ maxLength: 20 }) }),
    location: fc.record({ latitude: fc.double(), longitude: fc.double() }),
    caption: fc.string({ maxLength: 50 }),
    dice: fc.record({ emoji: fc.string({ maxLength: 2 }) }),
  },
  { requiredKeys: ['message_id', 'date', 'chat'] },
);
const validUpdate = fc.oneof(
  { weight: 4, arbitrary: fc.record({ update_id: fc.integer({ min: 0, max: 2 ** 31 }), message: validMessage }) },
  {
    weight: 1,
    arbitrary: fc.record({
      update_id: fc.integer({ min: 0, max: 2 ** 31 }),
      callback_query: fc.record({
        id: fc.string({ minLength: 1, maxLength: 20 }),
        data: fc.oneof(fc.string({ maxLength: 64 }), fc.constantFrom('more:dengue', '#abc')),
        from: validUser,
        message: validMessage,
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      update_id: fc.integer({ min: 0, max: 2 ** 31 }),
      my_chat_member: fc.record({
        chat: validChat,
        new_chat_member: fc.record({ status: fc.constantFrom('kicked', 'member', 'left') }),
      }),
    }),
  },
);
/** Any body a sender might POST: a valid update, an update-like one, any JSON, or not JSON at all. */
const body = fc.oneof(
  validUpdate.map((u) => JSON.stringify(u)),
  update.map((u) => JSON.stringify(u)),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

describe('Telegram update parser under fuzzing', () => {
  it('answers every input with a message, an unreachable patient or an ignored update — never throws', () => {
    fc.assert(
      fc.property(fc.oneof(validUpdate, update, fc.anything()), fc.boolean(), (input, allowGroups) => {
        const parsed = parseUpdate(input, { allowGroups, botUsername: 'SehatTestBot', now: new Date(0) });
        expect(['message', 'unreachable', 'ignored']).toContain(parsed.kind);
        const updateId = (input as { update_id?: unknown } | null)?.update_id;
        expect(parsed.updateId).toBe(typeof updateId === 'number' ? updateId : -1);
        if (parsed.kind === 'message') {
          const m = parsed.message;
          expect(m.channel).toBe('telegram');
          expect(m.key).toMatch(/^telegram:-?\d+$/);
          expect(m.id.length).toBeGreaterThan(0);
          expect(Number.isNaN(m.receivedAt.getTime())).toBe(false);
          expect(['text', 'choice', 'command', 'media', 'unsupported']).toContain(m.content.kind);
        }
        if (parsed.kind === 'unreachable') expect(parsed.externalId).toMatch(/^-?\d+$/);
        if (parsed.kind === 'ignored') expect(parsed.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Telegram webhook (the whole HTTP path, into the engine) under fuzzing', () => {
  let double: TelegramDouble;
  let app: App;

  beforeAll(async () => {
    double = await startTelegramDouble();
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        WEBCHAT_ENABLED: 'false',
        PUBLIC_URL: 'https://sehat.example.org',
        INBOUND_MESSAGES_PER_MINUTE: '10000',
        TELEGRAM_BOT_TOKEN: double.token,
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: double.url,
      }),
      { logger: createSilentLogger(), greetOnFirstContact: false },
    );
    await app.start();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await double?.close();
  });

  const post = (raw: string, secret: string | null = SECRET) =>
    app.http.app.request('/webhooks/telegram', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret !== null && { 'x-telegram-bot-api-secret-token': secret }),
      },
      body: raw,
    });

  it('answers 400 for what is not an update, 200 for any update (used or ignored), never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const response = await post(raw);
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          json = undefined;
        }
        const isUpdate =
          typeof json === 'object' && json !== null && typeof (json as { update_id?: unknown }).update_id === 'number';
        expect(response.status).toBe(isUpdate ? 200 : 400);
        const text = await response.text();
        expect(text.length).toBeLessThan(100); // a short reason, never a stack trace
      }),
      { numRuns: 400 },
    );
    // Everything accepted was handled afterwards (nothing left half-way).
    await app.queue.idle();
    expect(await app.crm.listUnprocessedInbound(10)).toEqual([]);
  }, 180_000);

  it('answers 401 to any body without the right secret, before reading it', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        // Header values are visible ASCII (anything else cannot be sent at all).
        fc.option(fc.stringMatching(/^[\x21-\x7e]{0,60}$/), { nil: null }).filter((s) => s !== SECRET),
        async (raw, secret) => {
          expect((await post(raw, secret)).status).toBe(401);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is still healthy afterwards', async () => {
    expect((await app.http.app.request('/healthz')).status).toBe(200);
  });
});
