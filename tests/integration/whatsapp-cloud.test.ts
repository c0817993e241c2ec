import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import type { Conversation } from '../../src/crm/crm-store.ts';
import { parseFrontMatter } from '../../src/knowledge/front-matter.ts';
import { createManualClock } from '../../src/shared/clock.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import {
  type GraphDouble,
  graphError,
  postWebhook,
  shownText,
  startGraphDouble,
  webhookFixture,
} from '../support/graph-api-double.ts';
import { type WhatsappHarness, whatsappConversationSuite } from '../support/whatsapp-conversation.ts';

const SECRET = 'test-app-secret-4f1c';
const PATIENT = '6281234567890';
const KEY = `whatsapp:${PATIENT}` as const;
const HOUR = 3_600_000;
const RINA = { username: 'rina', displayName: 'Ns. Rina', passwordHash: 'x' };

const idSummary = () =>
  String((parseFrontMatter(readFileSync('knowledge/id/dengue.md', 'utf8')).data as { summary: string }).summary).trim();
const idFirstSection = () => /^## (.+)$/m.exec(readFileSync('knowledge/id/dengue.md', 'utf8'))?.[1] ?? '';

describe('WhatsApp Cloud API channel', () => {
  let graph: GraphDouble;
  let app: App;
  let url: string;
  const clock = createManualClock('2026-03-02T03:00:00Z');
  let n = 0;
  const wamid = () => `wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBURVNU${String(++n).padStart(6, '0')}AA==`;

  beforeEach(async () => {
    clock.set('2026-03-02T03:00:00Z');
    graph = await startGraphDouble();
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
        WEBCHAT_ENABLED: 'false',
        WHATSAPP_MODE: 'cloud',
        WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
        WHATSAPP_ACCESS_TOKEN: 'EAAG-test-token',
        WHATSAPP_APP_SECRET: SECRET,
        WHATSAPP_VERIFY_TOKEN: 'sehat-verify-7',
        WHATSAPP_GRAPH_URL: graph.url,
        WHATSAPP_TEMPLATE_NAME: 'sehat_reply_waiting',
        WHATSAPP_TEMPLATE_LANGUAGES: 'en:en_US,id:id',
      }),
      { logger: createSilentLogger(), clock },
    );
    ({ url } = await app.start());
  });
  afterEach(async () => {
    await app.stop();
    await graph.close();
  });

  /** A patient's message, shaped like Meta's webhook, timestamped now on the test clock, signed. */
  async function patientSays(fixture: string, overrides: { text?: string; id?: string; from?: string } = {}) {
    const response = await postWebhook(
      url,
      webhookFixture(fixture, { at: clock.now(), id: overrides.id ?? wamid(), ...overrides }),
      SECRET,
    );
    expect(response.status).toBe(200);
    return response;
  }
  const shown = (to = PATIENT) => graph.delivered(to).map(shownText);
  async function conversation(key: `whatsapp:${string}` = KEY): Promise<Conversation> {
    await expect.poll(() => app.crm.findConversationByKey(key)).toBeDefined();
    return (await app.crm.findConversationByKey(key)) as Conversation;
  }
  const messages = async (key: `whatsapp:${string}` = KEY) => app.crm.listMessages((await conversation(key)).id);

  it('answers the subscription handshake with the challenge, and refuses a wrong verify token', async () => {
    const ok = await fetch(
      `${url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=sehat-verify-7&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(`${url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(wrong.status).toBe(403);
  });

  it('answers "apa itu demam berdarah?" with the Indonesian dengue summary and reply buttons; the button gives the next section', async () => {
    const response = await patientSays('text');
    expect(await response.text()).toBe('ok');
    await expect.poll(() => shown().some((s) => s.includes(idSummary()))).toBe(true);
    const answer = graph.delivered(PATIENT).find((c) => c.body.type === 'interactive');
    expect(answer?.path).toBe('/v21.0/106540352242922/messages');
    expect(answer?.authorization).toBe('Bearer EAAG-test-token');
    expect(answer?.body).toMatchObject({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PATIENT,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: expect.stringContaining(idSummary()) },
        action: { buttons: [{ type: 'reply', reply: { id: 'more:dengue', title: 'Selengkapnya' } }] },
      },
    });
    // WhatsApp formatting, not markdown or HTML.
    expect(answer?.body.interactive.body.text).toMatch(/^\*Demam berdarah dengue/);
    expect(answer?.body.interactive.body.text).not.toMatch(/\*\*|<\/?[a-z]+>/);
    // The patient's profile name seeds the CRM contact; the inbound message is marked read.
    const contact = await app.crm.getContact((await conversation()).contactId);
    expect(contact?.displayName).toBe('Siti Rahma');
    await expect.poll(() => graph.readReceipts().length).toBeGreaterThan(0);

    await patientSays('interactive-button-reply');
    await expect.poll(() => shown().some((s) => s.includes(`*${idFirstSection()}*`))).toBe(true);
  });

  it('refuses a wrong or missing signature with 401 and stores nothing', async () => {
    const payload = webhookFixture('text', { at: clock.now(), id: wamid() });
    expect((await postWebhook(url, payload, 'not-the-app-secret')).status).toBe(401);
    expect((await postWebhook(url, payload, SECRET, { signature: null })).status).toBe(401);
    // Signed, but the body was changed after signing (the signature covers the raw bytes).
    const tampered = JSON.stringify(payload).replace('demam berdarah', 'demam  berdarah');
    const signedOriginal = (await import('../../adapters/whatsapp-cloud/verify.ts')).signBody(
      JSON.stringify(payload),
      SECRET,
    );
    expect((await postWebhook(url, tampered, SECRET, { signature: signedOriginal })).status).toBe(401);
    expect((await postWebhook(url, '{not json', SECRET)).status).toBe(400);
    await app.queue.idle();
    expect(await app.crm.findConversationByKey(KEY)).toBeUndefined();
    expect(graph.calls).toHaveLength(0);
  });

  it('processes a wamid delivered three times once: one CRM message, one reply', async () => {
    const id = wamid();
    const payload = webhookFixture('text', { at: clock.now(), id });
    const statuses = await Promise.all([1, 2, 3].map(() => postWebhook(url, payload, SECRET)));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    await expect.poll(() => shown().some((s) => s.includes(idSummary()))).toBe(true);
    await app.queue.idle();
    const inbound = (await messages()).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => m.platformMessageId)).toEqual([id]);
    expect(shown().filter((s) => s.includes(idSummary()))).toHaveLength(1);
  });

  it('records delivery statuses on the outbound message; a failed one shows its error code to educators', async () => {
    await patientSays('text', { text: '/human' });
    await expect
      .poll(async () => (await messages()).filter((m) => m.direction === 'out' && m.status === 'sent'))
      .not.toEqual([]);
    const notice = graph.delivered(PATIENT).at(-1);
    const outbound = async () => (await messages()).find((m) => m.platformMessageId?.includes(notice?.wamid ?? '?'));

    const delivered = webhookFixture('status-delivered', { at: clock.now(), statusId: notice?.wamid });
    expect((await postWebhook(url, delivered, SECRET)).status).toBe(200);
    await expect.poll(async () => (await outbound())?.status).toBe('delivered');

    const failed = webhookFixture('status-failed', { at: clock.now(), statusId: notice?.wamid });
    expect((await postWebhook(url, failed, SECRET)).status).toBe(200);
    await expect.poll(async () => (await outbound())?.status).toBe('failed');
    expect((await outbound())?.error).toBe('131026: Message undeliverable');
    const handoff = await app.handoffStore.findOpenHandoff((await conversation()).id);
    const view = await app.handoff.view(handoff?.id ?? '');
    expect(view.recent.find((line) => line.status === 'failed')).toMatchObject({ direction: 'out', author: 'bot' });
  });

  it('sends a template to a patient whose last message is 25 hours old, and the held reply when they answer', async () => {
    await patientSays('text');
    await expect.poll(() => shown().some((s) => s.includes(idSummary()))).toBe(true);
    await patientSays('text', { text: '/human' });
    const { id: conversationId } = await conversation();
    await expect.poll(() => app.handoffStore.findOpenHandoff(conversationId)).toBeDefined();
    const handoff = await app.handoffStore.findOpenHandoff(conversationId);
    const rina = await app.handoffStore.createEducator({ ...RINA, at: clock.now() });
    await app.handoff.claim(handoff?.id ?? '', rina);

    clock.advance(25 * HOUR);
    const before = graph.delivered(PATIENT).length;
    await app.handoff.reply(handoff?.id ?? '', rina, 'Selamat pagi, Bu Siti. Bagaimana demamnya hari ini?');
    const sent = graph.delivered(PATIENT).slice(before);
    expect(sent.map((c) => c.body.type)).toEqual(['template']);
    expect(sent[0]?.body.template).toEqual({
      name: 'sehat_reply_waiting',
      language: { code: 'id' },
    });
    expect(shown().join('\n')).not.toContain('Bagaimana demamnya');
    const row = (await messages()).find((m) => m.text.includes('Bagaimana demamnya'));
    expect(row).toMatchObject({ status: 'sent', platformMessageId: expect.stringMatching(/^\["held\./) });

    // The rating prompt after the late close waits behind the same template (no second template).
    await app.handoff.close(handoff?.id ?? '', rina, 'Followed up on fever');
    expect(
      graph
        .delivered(PATIENT)
        .slice(before)
        .map((c) => c.body.type),
    ).toEqual(['template']);

    // The patient answers the template: the window is open again, the held messages arrive in order.
    clock.advance(10 * 60_000);
    await patientSays('text', { text: 'baik, terima kasih' });
    await expect.poll(() => shown().findIndex((s) => s.includes('Bagaimana demamnya'))).toBeGreaterThan(-1);
    await expect.poll(() => shown().findIndex((s) => /dari 1/.test(s))).toBeGreaterThan(-1);
    const texts = shown();
    expect(texts.findIndex((s) => s.includes('Bagaimana demamnya'))).toBeLessThan(
      texts.findIndex((s) => /dari 1/.test(s)),
    );
    expect(texts.find((s) => s.includes('Bagaimana demamnya'))).toMatch(/^\*Ns\. Rina:\*/);
    // A status report for the held text updates the row that carries the template's id.
    const heldCall = graph.delivered(PATIENT).find((c) => shownText(c).includes('Bagaimana demamnya'));
    const read = webhookFixture('status-read', { at: clock.now(), statusId: heldCall?.wamid });
    expect((await postWebhook(url, read, SECRET)).status).toBe(200);
    await expect
      .poll(async () => (await messages()).find((m) => m.text.includes('Bagaimana demamnya'))?.status)
      .toBe('read');
  });

  it('retries a throughput limit (130429) and sends the message once', async () => {
    graph.script(graphError(130429, 'Rate limit hit'));
    await patientSays('text');
    await expect.poll(() => shown().some((s) => s.includes(idSummary())), { timeout: 10_000 }).toBe(true);
    await app.queue.idle();
    const bodies = graph.delivered(PATIENT).map((c) => JSON.stringify(c.body));
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(graph.attempts().filter((c) => c.status !== 200)).toHaveLength(1);
    const first = graph.attempts()[0];
    expect(graph.delivered(PATIENT).filter((c) => JSON.stringify(c.body) === JSON.stringify(first?.body))).toHaveLength(
      1,
    );
    const out = (await messages()).filter((m) => m.direction === 'out');
    expect(out.every((m) => m.status === 'sent')).toBe(true);
    expect(out.map((m) => m.attempts)).toContain(2);
  });

  it('does not retry an undeliverable message (131026) and records the failure', async () => {
    graph.script(graphError(131026, 'Message undeliverable'));
    await patientSays('text');
    await expect.poll(async () => (await messages()).some((m) => m.status === 'failed')).toBe(true);
    await app.queue.idle();
    const failed = (await messages()).filter((m) => m.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 1, error: expect.stringContaining('131026') });
    expect(graph.attempts().filter((c) => c.status !== 200)).toHaveLength(1);
    // The refused message was tried once; the rest of the reply still went out.
    const refused = JSON.stringify(graph.attempts()[0]?.body);
    expect(graph.attempts().filter((c) => JSON.stringify(c.body) === refused)).toHaveLength(1);
    expect(shown().some((s) => s.includes(idSummary()))).toBe(true);
  });

  it('keeps media, tells the patient the bot reads text only, and ignores reactions', async () => {
    await patientSays('image');
    await expect.poll(() => shown().some((s) => /only read text/.test(s))).toBe(true);
    const image = (await messages()).find((m) => m.direction === 'in');
    expect(image?.content).toEqual({
      kind: 'media',
      media: 'image',
      ref: 'whatsapp-media:1003383421387256',
      caption: 'ruam di lengan anak saya',
    });
    const before = graph.delivered(PATIENT).length;
    await patientSays('reaction');
    await patientSays('unsupported');
    await expect.poll(() => shown().some((s) => /Please type your question/.test(s))).toBe(true);
    await app.queue.idle();
    const kinds = (await messages()).filter((m) => m.direction === 'in').map((m) => m.content);
    expect(kinds.map((c) => ('kind' in c ? c.kind : '?'))).toEqual(['media', 'unsupported']);
    expect(graph.delivered(PATIENT).length - before).toBe(1);
  });

  it('handles each message of a batched webhook on its own', async () => {
    const batched = webhookFixture('batched', { at: clock.now() });
    expect((await postWebhook(url, batched, SECRET)).status).toBe(200);
    for (const to of ['6281234567890', '6281234567891', '6281234567892'])
      await expect.poll(() => graph.delivered(to).some((c) => c.body.type === 'interactive')).toBe(true);
    const agus = await conversation('whatsapp:6281234567891');
    expect((await app.crm.getContact(agus.contactId))?.displayName).toBe('Agus');
  });

  it('fails at start-up naming each missing setting when cloud mode is on', async () => {
    await expect(
      createApp(parseEnv({ WHATSAPP_MODE: 'cloud', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' })),
    ).rejects.toThrow(
      /WHATSAPP_PHONE_NUMBER_ID[\s\S]*WHATSAPP_ACCESS_TOKEN[\s\S]*WHATSAPP_APP_SECRET[\s\S]*WHATSAPP_VERIFY_TOKEN/,
    );
  });
});

describe('WhatsApp Cloud API channel: the shared WhatsApp conversation', () => {
  let n = 0;
  whatsappConversationSuite(async (): Promise<WhatsappHarness> => {
    const graph = await startGraphDouble();
    const app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
        WEBCHAT_ENABLED: 'false',
        WHATSAPP_MODE: 'cloud',
        WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
        WHATSAPP_ACCESS_TOKEN: 'EAAG-test-token',
        WHATSAPP_APP_SECRET: SECRET,
        WHATSAPP_VERIFY_TOKEN: 'sehat-verify-7',
        WHATSAPP_GRAPH_URL: graph.url,
      }),
      { logger: createSilentLogger() },
    );
    const { url } = await app.start();
    const post = async (payload: unknown) => expect((await postWebhook(url, payload, SECRET)).status).toBe(200);
    const nextId = () => `wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBTVUlURQ${String(++n).padStart(6, '0')}AA==`;
    return {
      app,
      patient: {
        key: KEY,
        say: (text, options = {}) => post(webhookFixture('text', { at: new Date(), id: options.id ?? nextId(), text })),
        async choose(label) {
          // The patient taps the reply button (or list row) with that title.
          const offered = graph
            .delivered(PATIENT)
            .filter((c) => c.body.type === 'interactive')
            .flatMap((c) => c.body.interactive.action.buttons?.map((b: { reply: unknown }) => b.reply) ?? [])
            .reverse()
            .find((reply: { title: string }) => reply.title === label);
          if (!offered) throw new Error(`no button "${label}" was shown`);
          const payload = webhookFixture('interactive-button-reply', { at: new Date(), id: nextId() });
          payload.entry[0].changes[0].value.messages[0].interactive.button_reply = offered;
          await post(payload);
        },
        sendImage: () => post(webhookFixture('image', { at: new Date(), id: nextId() })),
        shown: () => graph.delivered(PATIENT).map(shownText),
      },
      async close() {
        await app.stop();
        await graph.close();
      },
    };
  });
});
