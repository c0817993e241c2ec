import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { parseFrontMatter } from '../../src/knowledge/front-matter.ts';
import { createManualClock } from '../../src/shared/clock.ts';
import {
  type BotConnectorDouble,
  type RecordedActivity,
  startBotConnectorDouble,
} from '../support/bot-connector-double.ts';
import { type ActivityJson, fixture } from '../unit/botframework/fixture.ts';

/**
 * The Bot Framework channel through the real app, tested as the Bot Framework Emulator works: activities
 * shaped like the protocol's are POSTed to /api/messages with a serviceUrl pointing at a local double of
 * the Bot Connector API, which records the bot's replies.
 */
const EMULATOR_CONVERSATION = '9f2c1b70-3e6b-11ef-b1c7-1d3f5a7c9e21|livechat';
const TEAMS_CONVERSATION = 'a:1pL6i0oY3C0K8oAj8L4cX5QpWm9L2aHfYpZ7vXkRq3sTn8M0dJwE4gUb1yV6hNzPcKe';
const BASE_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: 'sqlite::memory:',
  KB_HOT_RELOAD: 'false',
  LOG_LEVEL: 'silent',
  EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
  WEBCHAT_ENABLED: 'false',
  BOTFRAMEWORK_ENABLED: 'true',
};

/** The first turn loads the safety rules; give async effects time. */
const POLL = { timeout: 10_000 };

type Card = { contentType: string; content: Record<string, unknown> & { body?: { text: string }[] } };
type CardAction = { type: string; title: string; text?: string; value?: unknown };

let app: App;
let url: string;
let double: BotConnectorDouble;
let clock: ReturnType<typeof createManualClock>;
let sequence = 0;

function summaryOf(path: string): string {
  return String((parseFrontMatter(readFileSync(path, 'utf8')).data as { summary: string }).summary).trim();
}

async function start(env: Record<string, string> = {}) {
  clock = createManualClock('2026-03-02T03:00:00Z'); // Monday 10:00 in Jakarta
  app = await createApp(parseEnv({ ...BASE_ENV, ...env }), { clock });
  url = (await app.start()).url;
}

const post = (activity: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(activity),
  });

/** A recorded activity with the double as its serviceUrl (and, optionally, a new id and text). */
function activity(name: string, overrides: Record<string, unknown> = {}): ActivityJson {
  return fixture(name, { serviceUrl: double.url, ...overrides });
}

function emulatorMessage(text: string, overrides: Record<string, unknown> = {}): ActivityJson {
  sequence += 1;
  return activity('emulator-message', { id: `emulator-activity-${sequence}`, text, ...overrides });
}

/** Polls until `read` gives a value, then returns it. */
async function eventually<T>(read: () => T | undefined | Promise<T | undefined>): Promise<T> {
  await expect.poll(read, POLL).toBeDefined();
  return (await read()) as T;
}

const cards = (r: RecordedActivity | undefined) => (r?.activity.attachments ?? []) as Card[];
const texts = (records: RecordedActivity[]) => records.map((r) => String(r.activity.text ?? ''));

beforeEach(async () => {
  double = await startBotConnectorDouble();
});
afterEach(async () => {
  const running = app;
  app = undefined as unknown as App;
  await running?.stop();
  await double.close();
});

describe('Bot Framework channel (Teams, Web Chat, the Emulator)', () => {
  it('answers "what vaccines does my baby need?" with the immunization summary, its source and a More suggested action; the submit gets the next section', async () => {
    await start();
    const question = emulatorMessage('what vaccines does my baby need?');
    expect((await post(question)).status).toBe(200);

    const answer = await eventually(() => double.messages(EMULATOR_CONVERSATION).find((r) => cards(r).length > 0));
    // A reply to the patient's activity: POST /v3/conversations/{id}/activities/{replyToId}.
    expect(answer.replyToId).toBe(question.id);
    const [card] = cards(answer);
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const body = (card?.content.body ?? []).map((b) => b.text);
    expect(body).toContain(summaryOf('knowledge/en/child-immunization.md'));
    const source = readFileSync('knowledge/en/child-immunization.md', 'utf8').match(/url: (https:\S+)/)?.[1];
    expect(body.some((text) => text.includes(`](${source})`))).toBe(true);
    const actions = (answer.activity.suggestedActions as { actions: CardAction[] }).actions;
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'messageBack',
        title: 'More',
        value: { sehatChoice: 'more:child-immunization' },
      }),
    ]);

    // The patient presses "More": Web Chat sends the action's text and value.
    const more = actions[0] as CardAction;
    const before = double.messages(EMULATOR_CONVERSATION).length;
    expect((await post(emulatorMessage(more.text ?? '', { value: more.value }))).status).toBe(200);
    await expect.poll(() => double.messages(EMULATOR_CONVERSATION).length, POLL).toBeGreaterThan(before);
    const [next] = double.messages(EMULATOR_CONVERSATION).slice(before);
    expect(next?.activity.text).toContain('**Indonesia: routine schedule**');
  });

  it('greets exactly once when the Emulator adds the bot and the user, even if the update comes again', async () => {
    await start();
    const update = activity('emulator-conversation-update');
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200); // redelivered
    const userOnly = activity('emulator-conversation-update', {
      id: 'second-update',
      membersAdded: [{ id: '5e1f3c0a-7d2b-4f8e-9a61-2b7c4d9e8f10', name: 'User' }],
    });
    expect((await post(userOnly)).status).toBe(200);
    await expect.poll(() => double.messages(EMULATOR_CONVERSATION).length, POLL).toBe(1);
    await app.queue.idle();
    const greetings = double.messages(EMULATOR_CONVERSATION);
    expect(greetings).toHaveLength(1);
    expect(texts(greetings)[0]).toMatch(/^Hello! I'm the health education assistant/);
    // Sent into the conversation, not as a reply to the conversationUpdate.
    expect(greetings[0]?.replyToId).toBeUndefined();
  });

  it('hands /human to an educator, whose reply an hour later is delivered proactively through the stored reference', async () => {
    await start();
    const human = emulatorMessage('/human');
    expect((await post(human)).status).toBe(200);
    const conversation = await eventually(() => app.crm.findConversationByKey(`botframework:${EMULATOR_CONVERSATION}`));
    const handoff = await eventually(() => app.handoffStore.findOpenHandoff(conversation.id));
    await expect.poll(() => texts(double.messages()).join('\n'), POLL).toMatch(/number 1 in the queue/);

    const rina = await app.handoffStore.createEducator({
      username: 'rina',
      displayName: 'Ns. Rina',
      passwordHash: 'x',
      at: clock.now(),
    });
    expect(await app.handoff.claim(handoff.id, rina)).toMatchObject({ status: 'claimed' });
    clock.advance(60 * 60 * 1000); // an hour later, no request from the patient in flight
    const before = double.messages().length;
    await app.handoff.reply(handoff.id, rina, 'Halo, saya Ns. Rina. Ada yang bisa saya bantu?');

    await expect.poll(() => double.messages().length, POLL).toBeGreaterThan(before);
    const delivered = double.messages().at(-1);
    expect(delivered).toMatchObject({
      conversationId: EMULATOR_CONVERSATION,
      replyToId: human.id,
      activity: {
        type: 'message',
        text: '**Ns. Rina:** Halo, saya Ns. Rina. Ada yang bisa saya bantu?',
        recipient: { id: '5e1f3c0a-7d2b-4f8e-9a61-2b7c4d9e8f10' },
      },
    });
    const stored = (await app.crm.listMessages(conversation.id)).at(-1);
    expect(stored).toMatchObject({ direction: 'out', author: { kind: 'educator' }, status: 'sent' });
  });

  it('renders Teams answers as cards with buttons and takes the button submit (conversation ids with colons)', async () => {
    await start();
    expect((await post(activity('teams-personal-message'))).status).toBe(200);
    await expect.poll(() => double.messages(TEAMS_CONVERSATION).some((r) => cards(r).length > 0), POLL).toBe(true);
    const answer = double.messages(TEAMS_CONVERSATION).find((r) => cards(r).length > 0);
    expect(answer?.replyToId).toBe('1772420721112');
    expect(cards(answer).map((c) => c.contentType)).toEqual([
      'application/vnd.microsoft.card.adaptive',
      'application/vnd.microsoft.card.hero',
    ]);
    expect(cards(answer)[0]?.content.body?.[1]?.text).toBe(summaryOf('knowledge/en/dengue.md'));
    expect(cards(answer)[1]?.content.buttons).toEqual([
      expect.objectContaining({ type: 'messageBack', value: { sehatChoice: 'more:dengue' } }),
    ]);
    expect(answer?.activity.suggestedActions).toBeUndefined();

    const before = double.messages(TEAMS_CONVERSATION).length;
    expect((await post(activity('teams-card-submit'))).status).toBe(200);
    await expect.poll(() => double.messages(TEAMS_CONVERSATION).length, POLL).toBeGreaterThan(before);
    const heading = readFileSync('knowledge/en/dengue.md', 'utf8').match(/^## (.+)$/m)?.[1];
    expect(double.messages(TEAMS_CONVERSATION).at(-1)?.activity.text).toContain(`**${heading}**`);
  });

  it('retries a reply the connector throttles (429, Retry-After) and delivers it once', async () => {
    await start();
    // The first reply (the greeting of a first contact) is throttled once.
    double.script({ status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'TooManyRequests' } } });
    expect((await post(emulatorMessage('/help'))).status).toBe(200);
    const conversation = await eventually(() => app.crm.findConversationByKey(`botframework:${EMULATOR_CONVERSATION}`));
    const outbound = async () => (await app.crm.listMessages(conversation.id)).filter((m) => m.direction === 'out');
    await expect
      .poll(async () => (await outbound()).map((m) => [m.status, m.attempts]), POLL)
      .toEqual([
        ['sent', 2],
        ['sent', 1],
      ]);
    // Refused, then delivered by the outbox's retry (the SDK itself did not retry in between), then the help.
    const [refused, delivered, help] = texts(double.messages());
    expect(refused).toMatch(/^Hello!/);
    expect(delivered).toBe(refused);
    expect(help).not.toBe(refused);
    expect(double.messages()).toHaveLength(3);
  });

  it('records a reply the connector refuses for good (403: blocked) as failed, without retrying', async () => {
    await start();
    double.script({ status: 403, body: { error: { code: 'ConversationBlockedByUser', message: 'blocked' } } });
    expect((await post(emulatorMessage('/help'))).status).toBe(200);
    const conversation = await eventually(() => app.crm.findConversationByKey(`botframework:${EMULATOR_CONVERSATION}`));
    const refused = await eventually(async () =>
      (await app.crm.listMessages(conversation.id)).find((m) => m.direction === 'out' && m.status === 'failed'),
    );
    expect(refused).toMatchObject({
      attempts: 1,
      error: expect.stringMatching(/send_permanent.*403 ConversationBlockedByUser/),
    });
    await app.queue.idle();
    const outbound = (await app.crm.listMessages(conversation.id)).filter((m) => m.direction === 'out');
    expect(double.messages()).toHaveLength(outbound.length); // one request per reply: nothing retried
  });

  it('with credentials configured, refuses a request without a valid token (401) and stores nothing', async () => {
    await start({
      BOTFRAMEWORK_APP_ID: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      BOTFRAMEWORK_APP_PASSWORD: 'app-secret-value',
    });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      '{"iss":"https://api.botframework.com","aud":"6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}',
    ).toString('base64url')}.`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${unsigned}` },
      { authorization: 'Bearer not-a-jwt' },
    ];
    for (const headers of attempts) {
      const response = await post(emulatorMessage('what is dengue?'), headers);
      expect(response.status).toBe(401);
    }
    expect(await app.crm.findConversationByKey(`botframework:${EMULATOR_CONVERSATION}`)).toBeUndefined();
    expect(double.received).toEqual([]);
  });

  it('refuses to start with credentials that do not belong together, naming the variable', async () => {
    await expect(
      createApp(parseEnv({ ...BASE_ENV, BOTFRAMEWORK_APP_ID: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })),
    ).rejects.toThrow(/BOTFRAMEWORK_APP_PASSWORD: required/);
    await expect(
      createApp(
        parseEnv({
          ...BASE_ENV,
          BOTFRAMEWORK_APP_ID: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
          BOTFRAMEWORK_APP_PASSWORD: 'x',
          BOTFRAMEWORK_APP_TYPE: 'SingleTenant',
        }),
      ),
    ).rejects.toThrow(/BOTFRAMEWORK_TENANT_ID: required for SingleTenant/);
  });
});
