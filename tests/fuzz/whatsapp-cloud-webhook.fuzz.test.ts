import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebhook } from '../../adapters/whatsapp-cloud/parse.ts';
import { signBody } from '../../adapters/whatsapp-cloud/verify.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import { type GraphDouble, startGraphDouble } from '../support/graph-api-double.ts';

/**
 * Property-based fuzzing of the WhatsApp Cloud API webhook: whatever Meta (or anyone holding the app
 * secret) posts, the parser never throws, and the endpoint answers 401 (bad signature), 400 (not JSON) or
 * 200 (JSON, used or ignored) — never a 5xx, never a crash.
 */
const SECRET = 'fuzz-app-secret-51d2';
const PHONE_NUMBER_ID = '106540352242922';

const scalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 30 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('text', 'image', 'interactive', 'button', 'location', 'reaction', 'unsupported', 'failed', 'read'),
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
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ weight: 4, arbitrary: arb }, loose), { nil: undefined });

const waId = fc.oneof(fc.stringMatching(/^[1-9]\d{7,14}$/), fc.string({ maxLength: 20 }));
const message = fc.record(
  {
    from: maybe(waId),
    id: maybe(fc.string({ minLength: 1, maxLength: 60 })),
    timestamp: maybe(fc.oneof(fc.integer().map(String), fc.string({ maxLength: 12 }))),
    type: maybe(
      fc.constantFrom(
        'text',
        'image',
        'audio',
        'video',
        'document',
        'sticker',
        'interactive',
        'button',
        'location',
        'contacts',
        'reaction',
        'system',
        'unsupported',
        'order',
        'brand_new_type',
      ),
    ),
    text: maybe(fc.record({ body: maybe(fc.string({ maxLength: 400 })) }, { requiredKeys: [] })),
    image: maybe(fc.record({ id: maybe(fc.string({ maxLength: 20 })), caption: maybe(fc.string()) })),
    interactive: maybe(
      fc.record({
        type: maybe(fc.constantFrom('button_reply', 'list_reply', 'nfm_reply')),
        button_reply: maybe(fc.record({ id: maybe(fc.string({ maxLength: 80 })), title: maybe(fc.string()) })),
        list_reply: maybe(fc.record({ id: maybe(fc.string({ maxLength: 80 })), title: maybe(fc.string()) })),
      }),
    ),
    button: maybe(fc.record({ text: maybe(fc.string()), payload: maybe(fc.string()) })),
    location: maybe(
      fc.record({ latitude: maybe(fc.double()), longitude: maybe(fc.double()), name: maybe(fc.string()) }),
    ),
  },
  { requiredKeys: [] },
);
const status = fc.record(
  {
    id: maybe(fc.string({ minLength: 1, maxLength: 60 })),
    status: maybe(fc.constantFrom('sent', 'delivered', 'read', 'failed', 'deleted')),
    timestamp: maybe(fc.integer().map(String)),
    recipient_id: maybe(waId),
    errors: maybe(fc.array(fc.record({ code: maybe(fc.integer()), title: maybe(fc.string()) }), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);
const payload = fc.record(
  {
    object: maybe(fc.constantFrom('whatsapp_business_account', 'page', 'instagram')),
    entry: maybe(
      fc.array(
        fc.record(
          {
            id: maybe(fc.string({ maxLength: 20 })),
            changes: maybe(
              fc.array(
                fc.record(
                  {
                    field: maybe(fc.constantFrom('messages', 'message_template_status_update', 'account_update')),
                    value: maybe(
                      fc.record(
                        {
                          messaging_product: maybe(fc.constant('whatsapp')),
                          metadata: maybe(
                            fc.record({ phone_number_id: maybe(fc.constantFrom(PHONE_NUMBER_ID, '999', '')) }),
                          ),
                          contacts: maybe(
                            fc.array(
                              fc.record({ wa_id: maybe(waId), profile: maybe(fc.record({ name: fc.string() })) }),
                            ),
                          ),
                          messages: maybe(fc.array(message, { maxLength: 3 })),
                          statuses: maybe(fc.array(status, { maxLength: 2 })),
                          errors: maybe(fc.array(loose, { maxLength: 2 })),
                        },
                        { requiredKeys: [] },
                      ),
                    ),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 2 },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
    ),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  { weight: 3, arbitrary: payload.map((p) => JSON.stringify(p)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
);

describe('WhatsApp Cloud webhook parser under fuzzing', () => {
  it('returns messages, statuses and ignored items for any input — never throws', () => {
    const now = new Date('2026-03-02T03:00:00Z');
    fc.assert(
      fc.property(fc.oneof(payload, fc.anything()), (input) => {
        const parsed = parseWebhook(input, { phoneNumberId: PHONE_NUMBER_ID, now });
        for (const m of parsed.messages) {
          expect(m.channel).toBe('whatsapp');
          expect(m.key).toBe(`whatsapp:${m.from.externalId}`);
          expect(m.id.length).toBeGreaterThan(0);
          expect(m.receivedAt.getTime()).toBeLessThanOrEqual(now.getTime());
          expect(['text', 'choice', 'media', 'unsupported']).toContain(m.content.kind);
        }
        for (const s of parsed.statuses) expect(['sent', 'delivered', 'read', 'failed']).toContain(s.status);
        for (const i of parsed.ignored) expect(i.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('WhatsApp Cloud webhook (the whole HTTP path, into the engine) under fuzzing', () => {
  let graph: GraphDouble;
  let app: App;

  beforeAll(async () => {
    graph = await startGraphDouble();
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        WEBCHAT_ENABLED: 'false',
        INBOUND_MESSAGES_PER_MINUTE: '10000',
        WHATSAPP_MODE: 'cloud',
        WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN: 'EAAG-fuzz-token',
        WHATSAPP_APP_SECRET: SECRET,
        WHATSAPP_VERIFY_TOKEN: 'sehat-verify-fuzz',
        WHATSAPP_GRAPH_URL: graph.url,
        WHATSAPP_TEMPLATE_NAME: 'sehat_reply_waiting',
      }),
      { logger: createSilentLogger(), greetOnFirstContact: false },
    );
    await app.start();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await graph?.close();
  });

  const post = (raw: string, signature: string | null) =>
    app.http.app.request('/webhooks/whatsapp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature !== null && { 'x-hub-signature-256': signature }) },
      body: raw,
    });

  it('answers 400 for what is not JSON and 200 for any JSON (used or ignored), never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const response = await post(raw, signBody(raw, SECRET));
        let json = true;
        try {
          JSON.parse(raw);
        } catch {
          json = false;
        }
        expect(response.status).toBe(json ? 200 : 400);
        expect((await response.text()).length).toBeLessThan(100);
      }),
      {
        numRuns: 400,
        // Found by this test: these were answered 503 (String()/Number() threw in the parser), so Meta
        // would have redelivered them for a week.
        examples: [
          ['{"object":{"toString":1}}'],
          [
            '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w1","from":"62811","type":"text","text":{"body":"hi"},"timestamp":{"toString":1}}]}}]}]}',
          ],
        ],
      },
    );
    await app.queue.idle();
    expect(await app.crm.listUnprocessedInbound(10)).toEqual([]);
  }, 180_000);

  it('answers 401 to any body whose signature is missing or wrong', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.option(fc.stringMatching(/^[\x21-\x7e]{0,80}$/), { nil: null }),
        async (raw, signature) => {
          fc.pre(signature !== signBody(raw, SECRET));
          expect((await post(raw, signature)).status).toBe(401);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is still healthy afterwards', async () => {
    expect((await app.http.app.request('/healthz')).status).toBe(200);
  });
});
