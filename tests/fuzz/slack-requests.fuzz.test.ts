import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyMessageEvent,
  parseSehatCommand,
  parseSlackBody,
  type SlackEndpoint,
} from '../../adapters/slack/parse.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import { type SlackDouble, signHeaders, startSlackDouble } from '../support/slack-double.ts';

/**
 * Property-based fuzzing of the Slack educator console's three endpoints (Events API, interactivity, slash
 * commands): the pure parsers never throw, and with a valid signature the endpoints answer 400 (malformed)
 * or 200 (handled or ignored) — never a 5xx, never a crash; without one, 401.
 */
const SECRET = 'e3b0c44298fc1c149afbf4c8996fb924';
const CHANNEL = 'C0EDUCATORS';
const PATHS: Record<SlackEndpoint, string> = {
  events: '/slack/events',
  interactivity: '/slack/interactivity',
  commands: '/slack/commands',
};

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

const userId = fc.constantFrom('U0RINA0001', 'U0BUDI0002', 'U0SEHATBOT', 'W0STRANGER');
const ts = fc.integer({ min: 1_767_000_000, max: 1_767_999_999 }).map((s) => `${s}.000100`);
const messageEvent = fc.record(
  {
    type: maybe(fc.constantFrom('message', 'app_home_opened', 'member_joined_channel', 'reaction_added')),
    subtype: maybe(
      fc.constantFrom('bot_message', 'message_changed', 'message_deleted', 'file_share', 'thread_broadcast'),
    ),
    user: maybe(userId),
    bot_id: maybe(fc.constantFrom('B0SEHATBOT', 'B0OTHER')),
    channel: maybe(fc.constantFrom(CHANNEL, 'C0ELSEWHERE', 'D0DIRECT')),
    text: maybe(
      fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('// a note', 'hello #tag', '<@U0RINA0001> hi')),
    ),
    ts: maybe(ts),
    thread_ts: maybe(ts),
    files: maybe(fc.array(fc.record({ id: fc.string({ maxLength: 10 }) }), { maxLength: 1 })),
  },
  { requiredKeys: [] },
);
const eventsBody = fc.oneof(
  fc
    .record(
      {
        type: maybe(fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited')),
        challenge: maybe(fc.string({ maxLength: 40 })),
        event: maybe(messageEvent),
        event_id: maybe(fc.string({ minLength: 1, maxLength: 16 })),
        team_id: maybe(fc.constant('T0CLINIC1')),
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b)),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
);

function interactivityBody(responseUrl: string) {
  const payload = fc.record(
    {
      type: maybe(fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action')),
      user: maybe(fc.record({ id: maybe(userId), username: maybe(fc.string({ maxLength: 10 })) })),
      trigger_id: maybe(fc.string({ maxLength: 20 })),
      response_url: fc.constant(responseUrl),
      channel: maybe(fc.record({ id: maybe(fc.constantFrom(CHANNEL, 'C0ELSEWHERE')) })),
      container: maybe(fc.record({ message_ts: maybe(ts), channel_id: maybe(fc.constant(CHANNEL)) })),
      actions: maybe(
        fc.array(
          fc.record(
            {
              action_id: maybe(
                fc.constantFrom(
                  'sehat_claim',
                  'sehat_release',
                  'sehat_close',
                  'sehat_close_modal',
                  'sehat_transfer',
                  'sehat_transfer_modal',
                  'sehat_profile',
                  'sehat_send_article',
                  'something_else',
                ),
              ),
              value: maybe(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('ho_missing', ''))),
              selected_option: maybe(fc.record({ value: fc.string({ maxLength: 20 }) })),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
      ),
      view: maybe(
        fc.record(
          {
            callback_id: maybe(fc.constantFrom('sehat_close_modal', 'sehat_transfer_modal', 'other')),
            private_metadata: maybe(fc.oneof(fc.string({ maxLength: 40 }), fc.json({ maxDepth: 2 }))),
            state: maybe(fc.record({ values: maybe(fc.dictionary(fc.string({ maxLength: 8 }), loose)) })),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: payload.map((p) => new URLSearchParams({ payload: JSON.stringify(p) }).toString()) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((j) => new URLSearchParams({ payload: j }).toString()) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
}

function commandsBody(responseUrl: string) {
  const fields = fc.record(
    {
      command: maybe(fc.constantFrom('/sehat', '/other', 'sehat', '')),
      text: maybe(
        fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.constantFrom('help', 'queue', 'stats', 'claim', 'claim ho_x', 'close', 'note hi', 'article dengue', ''),
        ),
      ),
      user_id: maybe(userId),
      channel_id: maybe(fc.constantFrom(CHANNEL, 'C0ELSEWHERE')),
      response_url: fc.constant(responseUrl),
      trigger_id: maybe(fc.string({ maxLength: 20 })),
      ssl_check: fc.option(fc.constant('1'), { nil: undefined, freq: 10 }),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fields.map((f) =>
        new URLSearchParams(
          Object.entries(f).flatMap(([k, v]) =>
            v === undefined ? [] : [[k, typeof v === 'string' ? v : JSON.stringify(v)]],
          ),
        ).toString(),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
}

describe('Slack request parsers under fuzzing', () => {
  it('parse any body of any endpoint into ok / url_verification / ssl_check / malformed — never throw', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SlackEndpoint>('events', 'interactivity', 'commands'),
        fc.oneof(eventsBody, interactivityBody('http://x'), commandsBody('http://x'), fc.string()),
        (endpoint, raw) => {
          const parsed = parseSlackBody(endpoint, raw);
          expect(['ok', 'url_verification', 'ssl_check', 'malformed']).toContain(parsed.kind);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('classify any message event and read any /sehat command text — never throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(messageEvent, fc.dictionary(fc.string({ maxLength: 10 }), loose)),
        fc.string(),
        (event, text) => {
          const classified = classifyMessageEvent(event as Record<string, unknown>, CHANNEL);
          expect(['thread_reply', 'ignored']).toContain(classified.kind);
          expect(typeof parseSehatCommand(text)).toBe('object');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('Slack endpoints (the whole HTTP path, through bolt into the hand-off service) under fuzzing', () => {
  let double: SlackDouble;
  let app: App;

  beforeAll(async () => {
    double = await startSlackDouble({ channels: [CHANNEL] });
    double.users.set('U0RINA0001', { name: 'rina', displayName: 'Ns. Rina' });
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
        SLACK_ENABLED: 'true',
        SLACK_MODE: 'http',
        SLACK_BOT_TOKEN: double.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_CHANNEL_ID: CHANNEL,
        SLACK_API_URL: double.apiUrl,
      }),
      { logger: createSilentLogger() },
    );
    await app.start();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await double?.close();
  });

  const post = (endpoint: SlackEndpoint, raw: string, signed = true) =>
    app.http.app.request(PATHS[endpoint], {
      method: 'POST',
      headers: {
        'content-type': endpoint === 'events' ? 'application/json' : 'application/x-www-form-urlencoded',
        ...(signed ? signHeaders(SECRET, raw) : signHeaders('not-the-secret-0000000000', raw)),
      },
      body: raw,
    });

  it('answers 200 or 400 to any signed request, never a 5xx', async () => {
    const responseUrl = `${double.url}/hooks/actions/T0CLINIC1/1/abc`;
    const request = fc.oneof(
      eventsBody.map((raw) => ['events', raw] as const),
      interactivityBody(responseUrl).map((raw) => ['interactivity', raw] as const),
      commandsBody(responseUrl).map((raw) => ['commands', raw] as const),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([endpoint, raw]) => {
        const response = await post(endpoint, raw);
        const expected = parseSlackBody(endpoint, raw).kind === 'malformed' ? 400 : 200;
        expect(response.status, `${endpoint} ${raw}`).toBe(expected);
      }),
      { numRuns: 300 },
    );
  }, 180_000);

  it('answers 401 to any request signed with another secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SlackEndpoint>('events', 'interactivity', 'commands'),
        eventsBody,
        async (endpoint, raw) => {
          expect((await post(endpoint, raw, false)).status).toBe(401);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is still healthy afterwards', async () => {
    expect((await app.http.app.request('/healthz')).status).toBe(200);
  });
});
