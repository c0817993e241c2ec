import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseActivity } from '../../adapters/botframework/parse.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import { type BotConnectorDouble, startBotConnectorDouble } from '../support/bot-connector-double.ts';

/**
 * Property-based fuzzing of the Bot Framework messaging endpoint (/api/messages): whatever activity
 * arrives, the parser never throws, and the endpoint answers 400 (not an activity), 403 (a non-local
 * serviceUrl in unauthenticated local mode) or 2xx — never a 5xx, never a crash. The app runs in the
 * Emulator's unauthenticated local mode, so bodies reach the parser and the engine without a token.
 */
const scalar = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 30 }), fc.boolean(), fc.constant(null));
const toxic = fc
  .constantFrom('{"toString":1}', '{"valueOf":{},"toString":{}}', '{"__proto__":{"polluted":1}}', '[]', '{}')
  .map((json) => JSON.parse(json) as unknown);
const loose = fc.oneof(
  scalar,
  toxic,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), scalar),
);
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ weight: 4, arbitrary: arb }, loose), { nil: undefined });

const account = fc.record(
  {
    id: maybe(fc.oneof(fc.uuid(), fc.string({ maxLength: 30 }))),
    name: maybe(fc.string({ maxLength: 20 })),
    role: maybe(fc.constantFrom('user', 'bot')),
  },
  { requiredKeys: [] },
);

function activity(serviceUrls: string[]) {
  return fc.record(
    {
      type: maybe(
        fc.constantFrom(
          'message',
          'message',
          'conversationUpdate',
          'installationUpdate',
          'typing',
          'invoke',
          'event',
          'messageReaction',
          '',
        ),
      ),
      id: maybe(fc.string({ minLength: 1, maxLength: 40 })),
      serviceUrl: maybe(fc.constantFrom(...serviceUrls)),
      channelId: maybe(fc.constantFrom('emulator', 'msteams', 'webchat', 'directline')),
      from: maybe(account),
      recipient: maybe(account),
      conversation: maybe(
        fc.record(
          {
            id: maybe(fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 60 }))),
            conversationType: maybe(fc.constantFrom('personal', 'groupChat', 'channel')),
            isGroup: maybe(fc.boolean()),
          },
          { requiredKeys: [] },
        ),
      ),
      text: maybe(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('what is dengue?', '/help', 'more'))),
      locale: maybe(fc.constantFrom('en-US', 'id-ID', 'xx')),
      value: maybe(fc.oneof(loose, fc.record({ sehatChoice: fc.string({ maxLength: 40 }) }))),
      name: maybe(fc.string({ maxLength: 20 })),
      action: maybe(fc.constantFrom('add', 'remove')),
      attachments: maybe(
        fc.array(
          fc.record(
            {
              contentType: maybe(fc.constantFrom('image/png', 'application/pdf', 'text/html', 'audio/ogg', 'x')),
              contentUrl: maybe(fc.webUrl()),
              name: maybe(fc.string({ maxLength: 20 })),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
      ),
      entities: maybe(
        fc.array(fc.record({ type: maybe(fc.constantFrom('mention', 'clientInfo')), text: maybe(fc.string()) }), {
          maxLength: 2,
        }),
      ),
      membersAdded: maybe(fc.array(account, { maxLength: 2 })),
      membersRemoved: maybe(fc.array(account, { maxLength: 2 })),
    },
    { requiredKeys: [] },
  );
}

/** Activities as the Emulator sends them (every routing field present), random inside. */
function validActivity(serviceUrl: string) {
  return fc.record({
    type: fc.constantFrom('message', 'message', 'message', 'conversationUpdate', 'invoke', 'typing'),
    id: fc.uuid(),
    serviceUrl: fc.constant(serviceUrl),
    channelId: fc.constantFrom('emulator', 'msteams'),
    from: fc.record({ id: fc.uuid(), name: fc.string({ maxLength: 20 }), role: fc.constant('user') }),
    recipient: fc.constant({ id: 'bot-id', name: 'Bot', role: 'bot' }),
    conversation: fc.record({
      id: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 80 })),
      conversationType: fc.constantFrom('personal', 'groupChat'),
    }),
    text: fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 })),
    locale: fc.constantFrom('en-US', 'id-ID'),
    value: fc.option(fc.oneof(loose, fc.record({ sehatChoice: fc.string({ maxLength: 40 }) })), { nil: undefined }),
    membersAdded: fc.option(fc.array(account, { maxLength: 2 }), { nil: undefined }),
  });
}

describe('Bot Framework activity parser under fuzzing', () => {
  it('answers inbound, unreachable, ignored or invalid for any input — never throws', () => {
    const now = new Date('2026-03-02T03:00:00Z');
    fc.assert(
      fc.property(
        fc.oneof(
          validActivity('http://localhost:3978'),
          activity(['http://localhost:3978', 'https://smba.example.net/']),
          fc.anything(),
        ),
        (input) => {
          const result = parseActivity(input, now);
          expect(['inbound', 'unreachable', 'ignored', 'invalid']).toContain(result.kind);
          if (result.kind === 'inbound')
            for (const m of result.messages) {
              expect(m.channel).toBe('botframework');
              expect(m.key.startsWith('botframework:')).toBe(true);
              expect(m.id.length).toBeGreaterThan(0);
            }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('Bot Framework endpoint (the whole HTTP path, through botbuilder into the engine) under fuzzing', () => {
  let connector: BotConnectorDouble;
  let app: App;

  beforeAll(async () => {
    connector = await startBotConnectorDouble();
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        WEBCHAT_ENABLED: 'false',
        INBOUND_MESSAGES_PER_MINUTE: '10000',
        BOTFRAMEWORK_ENABLED: 'true',
      }),
      { logger: createSilentLogger(), greetOnFirstContact: false },
    );
    await app.start();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('answers 400, 403 or 2xx to any body, never a 5xx', async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: validActivity(connector.url).map((a) => JSON.stringify(a)) },
      {
        weight: 3,
        arbitrary: activity([connector.url, 'https://smba.example.net/emea/']).map((a) => JSON.stringify(a)),
      },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    );
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const response = await app.http.app.request('/api/messages', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: raw,
        });
        expect(response.status, raw).toBeLessThan(500);
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          expect(response.status).toBe(400);
          return;
        }
        if (typeof json !== 'object' || json === null || Array.isArray(json)) expect(response.status).toBe(400);
        else expect([200, 201, 202, 204, 400, 403]).toContain(response.status);
      }),
      { numRuns: 300 },
    );
    await app.queue.idle();
    expect(await app.crm.listUnprocessedInbound(10)).toEqual([]);
  }, 180_000);

  it('is still healthy afterwards', async () => {
    expect((await app.http.app.request('/healthz')).status).toBe(200);
  });
});
