import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { slackConfigFromEnv } from '../../adapters/slack/config.ts';
import { createSlackConsole, type SlackConsole } from '../../adapters/slack/index.ts';
import type { ServerFrame } from '../../adapters/webchat/protocol.ts';
import { type App, type CoreOptions, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { AppError } from '../../src/core/errors.ts';
import type { ChannelAdapter, ChannelHooks } from '../../src/core/types.ts';
import { createManualClock } from '../../src/shared/clock.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import { inboundText } from '../support/builders.ts';
import {
  commandBody,
  fixture,
  interactivityBody,
  type SlackDouble,
  type SlackPost,
  slackPoster,
  startSlackDouble,
} from '../support/slack-double.ts';
import { createTestCore, type TestCore } from '../support/test-core.ts';

/**
 * The Slack educator console end to end: the real app (web chat, engine, CRM on SQLite, hand-off service)
 * with the real @slack/bolt app and @slack/web-api client pointed at a local double of Slack. Requests from
 * "Slack" are signed payloads shaped like Slack's documented ones (tests/fixtures/slack).
 */
const SECRET = 'e3b0c44298fc1c149afbf4c8996fb924';
const CHANNEL = 'C0EDUCATORS';
const RINA = 'U0RINA0001';
const BUDI = 'U0BUDI0002';

/** A browser on the web chat. */
async function patient(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/webchat/socket`);
  const frames: ServerFrame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let n = 0;
  const messages = () => frames.filter((f): f is Extract<ServerFrame, { type: 'message' }> => f.type === 'message');
  const shownText = () =>
    messages()
      .flatMap((m) => m.parts)
      .map((p) => (p.kind === 'text' ? p.markdown : p.kind === 'article' ? `${p.title} ${p.summary}` : p.prompt))
      .join('\n');
  ws.send(JSON.stringify({ type: 'hello' }));
  await expect.poll(() => frames.some((f) => f.type === 'welcome')).toBe(true);
  return {
    frames,
    messages,
    shownText,
    async say(text: string) {
      const id = `c-${++n}`;
      ws.send(JSON.stringify({ type: 'message', id, text }));
      await expect.poll(() => frames.some((f) => f.type === 'ack' && f.id === id)).toBe(true);
    },
    close: () => ws.close(),
  };
}

/** A patient channel that reports receipts like WhatsApp or Telegram: delivered soon after a send, or a permanent failure. */
function receiptChannel(): ChannelAdapter {
  let hooks: ChannelHooks | undefined;
  let n = 0;
  return {
    id: 'telegram',
    capabilities: { maxTextLength: 4096, choices: 'buttons', maxButtons: 3, markdown: 'basic' },
    async start(_sink, h) {
      hooks = h;
    },
    async stop() {},
    async send(message) {
      const text = JSON.stringify(message.parts);
      if (text.includes('UNDELIVERABLE'))
        throw new AppError('send_permanent', 'the patient blocked the bot', {
          retryable: false,
          details: { platformCode: 403 },
        });
      const id = `tg-${++n}`;
      if (message.sender.kind === 'educator')
        setTimeout(() => {
          void hooks?.deliveryStatus({
            channel: 'telegram',
            platformMessageId: id,
            status: 'delivered',
            at: new Date(),
          });
        }, 50);
      return { platformMessageIds: [id] };
    },
  };
}

describe('Slack educator console (HTTP mode)', () => {
  let double: SlackDouble;
  let app: App;
  let url: string;
  let post: SlackPost;

  beforeAll(async () => {
    double = await startSlackDouble({ channels: [CHANNEL] });
    double.users.set(RINA, { name: 'rina', displayName: 'Ns. Rina' });
    double.users.set(BUDI, { name: 'budi', displayName: 'Ns. Budi' });
  });
  afterAll(async () => {
    await double.close();
  });

  const baseEnv = () => ({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: 'sqlite::memory:',
    KB_HOT_RELOAD: 'false',
    LOG_LEVEL: 'silent',
    EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
    ESCALATION_CONTACT: 'S0ONCALL01',
    SLACK_ENABLED: 'true',
    SLACK_MODE: 'http',
    SLACK_BOT_TOKEN: double.botToken,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_CHANNEL_ID: CHANNEL,
    SLACK_API_URL: double.apiUrl,
    SLACK_SYNC_INTERVAL_SECONDS: '1',
  });
  let started: App[] = [];
  async function start(env: Record<string, string> = {}, options: CoreOptions = {}) {
    double.calls.length = 0;
    app = await createApp(parseEnv({ ...baseEnv(), ...env }), { logger: createSilentLogger(), ...options });
    started.push(app);
    ({ url } = await app.start());
    post = slackPoster(url, SECRET);
    return app;
  }
  afterEach(async () => {
    for (const a of started) await a.stop();
    started = [];
  });

  const announcements = () =>
    double.accepted('chat.postMessage').filter((c) => c.params.channel === CHANNEL && !c.params.thread_ts);

  /** A patient on the web chat asks a question, then for a human; resolves with the announcement. */
  async function handoffFromWebChat() {
    const browser = await patient(url);
    await browser.say('what is dengue?');
    await expect.poll(() => browser.messages().length).toBeGreaterThan(0);
    await browser.say('/human');
    await expect.poll(() => announcements().length).toBe(1);
    const [handoff] = await app.handoffStore.listHandoffs({ status: ['waiting'] });
    if (!handoff) throw new Error('no hand-off');
    const announcement = announcements()[0]!;
    return { browser, handoff, ts: String(announcement.response.ts), announcement };
  }

  const click = (action: string, value: string, user = RINA, extra: Record<string, unknown> = {}) =>
    post(
      '/slack/interactivity',
      interactivityBody(
        fixture('block-actions-button.json', {
          user: { id: user, username: user.toLowerCase(), name: user.toLowerCase() },
          actions: [
            { ...fixture<{ actions: object[] }>('block-actions-button.json').actions[0], action_id: action, value },
          ],
          response_url: `${double.url}/hooks/actions/T0CLINIC1/1/abc`,
          ...extra,
        }),
      ),
    );
  const threadMessage = (threadTs: string, user: string, text: string, eventId: string) => {
    const base = fixture<{ event: Record<string, unknown> }>('event-message-thread-reply.json');
    const ts = `1767000${String(Math.floor(Math.random() * 1e3)).padStart(3, '0')}.${eventId.slice(-6).padStart(6, '0')}`;
    return {
      ts,
      response: post(
        '/slack/events',
        JSON.stringify(
          fixture('event-message-thread-reply.json', {
            event: { ...base.event, user, text, ts, event_ts: ts, thread_ts: threadTs, blocks: [] },
            event_id: eventId,
          }),
        ),
      ),
    };
  };

  it('runs a whole hand-off from Slack: announce, claim, transcript, relay, notes, close', async () => {
    await start();
    const { browser, handoff, ts, announcement } = await handoffFromWebChat();

    // The announcement: Block Kit with priority, reason, alias, channel, language, waiting, last messages, bot attempt, buttons.
    const blocks = JSON.stringify(announcement.params.blocks);
    expect(blocks).toContain(':large_blue_circle: Normal');
    expect(blocks).toContain('*Request*');
    expect(blocks).toMatch(/Patient [0-9A-Z]{4}/);
    expect(blocks).toContain('*Channel*\\nwebchat');
    expect(blocks).toContain('*Language*\\nen');
    expect(blocks).toContain('*Waiting*');
    expect(blocks).toContain('what is dengue?');
    expect(blocks).toContain("*Bot's attempted answer* (answer · dengue");
    const actions = (
      announcement.params.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]
    )
      .find((b) => b.type === 'actions')
      ?.elements?.map((e) => [e.action_id, e.value]);
    expect(actions).toEqual([
      ['sehat_claim', handoff.id],
      ['sehat_profile', handoff.id],
    ]);

    // Claim → the message shows who; the thread gets the transcript; the patient hears who joined.
    const claimed = await click('sehat_claim', handoff.id);
    expect(claimed.status).toBe(200);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('claimed');
    const rina = await app.handoffStore.findEducatorByUsername(`slack:${RINA}`);
    expect(rina).toMatchObject({ displayName: 'Ns. Rina' });
    expect((await app.handoffStore.getHandoff(handoff.id))?.educatorId).toBe(rina?.id);
    await expect
      .poll(() =>
        double
          .accepted('chat.update')
          .map((c) => JSON.stringify(c.params.blocks))
          .join(),
      )
      .toContain(`Claimed by <@${RINA}>`);
    await expect.poll(() => double.threadText(ts)).toContain('Transcript so far');
    expect(double.threadText(ts)).toContain('what is dengue?');
    expect(double.threadText(ts)).toContain('sehat_close');
    await expect.poll(() => browser.shownText()).toMatch(/Ns\. Rina \(health educator\) has joined/);

    // Later patient messages appear in the thread as they arrive.
    await browser.say('I have had a fever for 3 days');
    await expect.poll(() => double.threadText(ts)).toContain('I have had a fever for 3 days');

    // The owner's thread reply reaches the patient, with her name, and gets a delivery mark.
    const reply = threadMessage(ts, RINA, 'Hello, *how long* exactly? See &lt;this&gt;', 'Ev0REPLY0001');
    expect((await reply.response).status).toBe(200);
    await expect
      .poll(() => browser.messages().find((m) => m.sender.kind === 'educator' && m.parts[0]?.kind === 'text'))
      .toMatchObject({
        sender: { kind: 'educator', name: 'Ns. Rina' },
        parts: [{ kind: 'text', markdown: 'Hello, **how long** exactly? See <this>' }],
      });
    await expect
      .poll(() => double.accepted('reactions.add').find((c) => c.params.timestamp === reply.ts)?.params.name)
      .toBe('heavy_check_mark');

    // A note by the owner (prefix) and a message by a colleague: stored, marked, never relayed.
    const note = threadMessage(ts, RINA, '// suspect dengue, check platelets', 'Ev0NOTE00001');
    const colleague = threadMessage(ts, BUDI, 'I can take over later', 'Ev0NOTE00002');
    expect((await note.response).status).toBe(200);
    expect((await colleague.response).status).toBe(200);
    await expect
      .poll(async () =>
        (await app.crm.listMessages(handoff.conversationId)).filter((m) => m.direction === 'note').map((m) => m.text),
      )
      .toEqual(expect.arrayContaining(['suspect dengue, check platelets', 'I can take over later']));
    await expect
      .poll(() =>
        double
          .accepted('reactions.add')
          .filter((c) => c.params.name === 'memo')
          .map((c) => c.params.timestamp),
      )
      .toEqual(expect.arrayContaining([note.ts, colleague.ts]));
    await expect
      .poll(() =>
        double
          .accepted('chat.postEphemeral')
          .map((c) => `${c.params.user}:${c.params.text}`)
          .join(),
      )
      .toContain(`${BUDI}:Saved as an internal note`);

    // Close: the thread button opens a modal; submitting it closes the chat and the patient is asked for a rating.
    expect((await click('sehat_close', handoff.id, RINA)).status).toBe(200);
    await expect
      .poll(() => double.accepted('views.open').map((c) => (c.params.view as { callback_id?: string }).callback_id))
      .toContain('sehat_close_modal');
    const submitted = await post(
      '/slack/interactivity',
      interactivityBody(
        fixture('view-submission.json', {
          view: {
            private_metadata: handoff.id,
            callback_id: 'sehat_close_modal',
            state: {
              values: {
                outcome: { value: { type: 'plain_text_input', value: 'Explained dengue warning signs' } },
                tags: { value: { type: 'plain_text_input', value: 'dengue, fever' } },
              },
            },
          },
        }),
      ),
    );
    expect(submitted.status).toBe(200);
    await expect.poll(() => browser.shownText()).toMatch(/How helpful was this conversation/);
    await expect.poll(() => double.threadText(ts)).toContain('Closed by');
    expect(browser.shownText()).not.toContain('platelets');
    expect(browser.shownText()).not.toContain('take over');

    // The CRM has every step, with timestamps and the educator.
    const closed = await app.handoffStore.getHandoff(handoff.id);
    expect(closed).toMatchObject({
      status: 'closed',
      educatorId: rina?.id,
      outcome: 'Explained dengue warning signs',
      tags: ['dengue', 'fever'],
    });
    expect(closed?.claimedAt && closed.closedAt).toBeTruthy();
    const audit = (await app.crm.listAudit()).filter((e) => e.subject === handoff.id);
    const steps = audit.map((e) => `${e.action} ${e.actor}`);
    expect(steps.slice(0, 2)).toEqual([`handoff.claim educator:slack:${RINA}`, `handoff.reply educator:slack:${RINA}`]);
    expect(steps.slice(2, 4).sort()).toEqual([
      `handoff.note educator:slack:${BUDI}`,
      `handoff.note educator:slack:${RINA}`,
    ]);
    expect(steps.slice(4)).toEqual([`handoff.close educator:slack:${RINA}`]);
    for (const event of audit) expect(Date.parse(event.at)).not.toBeNaN();
    const messages = await app.crm.listMessages(handoff.conversationId);
    const relayed = messages.find((m) => m.direction === 'out' && m.author.kind === 'educator');
    expect(relayed).toMatchObject({
      author: { id: rina?.id },
      status: 'sent',
      text: expect.stringContaining('how long'),
    });
    expect(Date.parse(relayed?.createdAt ?? '')).not.toBeNaN();
    browser.close();
  });

  it('lets exactly one of two simultaneous Claims win; the other educator is told who took it', async () => {
    await start();
    const { handoff } = await handoffFromWebChat();
    const [a, b] = await Promise.all([click('sehat_claim', handoff.id, RINA), click('sehat_claim', handoff.id, BUDI)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('claimed');
    const winnerId = (await app.handoffStore.getHandoff(handoff.id))?.educatorId;
    const winner = (await app.handoffStore.listEducators()).find((e) => e.id === winnerId);
    const loser = winner?.username === `slack:${RINA}` ? BUDI : RINA;
    const winnerSlack = winner?.username.replace('slack:', '');
    await expect
      .poll(() => double.accepted('chat.postEphemeral').find((c) => c.params.user === loser)?.params.text)
      .toBe(`<@${winnerSlack}> (${winner?.displayName}) already took this chat.`);
    expect((await app.crm.listAudit()).filter((e) => e.action === 'handoff.claim')).toHaveLength(1);
  });

  it('rejects bad signatures, stale timestamps and malformed payloads, changing nothing', async () => {
    await start();
    const { handoff } = await handoffFromWebChat();
    const before = double.calls.length;
    const claim = interactivityBody(
      fixture('block-actions-button.json', {
        actions: [{ action_id: 'sehat_claim', block_id: 'b', type: 'button', value: handoff.id, action_ts: '1' }],
      }),
    );
    const now = Math.floor(Date.now() / 1000);
    const answers = [
      (await post('/slack/interactivity', claim, { secret: 'wrong-secret-0000000000' })).status,
      (await post('/slack/interactivity', claim, { timestampSeconds: now - 5 * 60 - 5 })).status,
      (await post('/slack/interactivity', claim, { timestampSeconds: now + 6 * 60 })).status,
      (
        await fetch(`${url}/slack/interactivity`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: claim,
        })
      ).status,
      (await post('/slack/events', '{"type": "event_callback", "event": ')).status,
      (await post('/slack/events', JSON.stringify({ type: 'event_callback' }))).status,
      (await post('/slack/interactivity', 'payload=%7Bnot-json')).status,
      (await post('/slack/interactivity', commandBody({ nothing: 'here' }))).status,
      (await post('/slack/commands', commandBody({ text: 'queue' }))).status,
    ];
    expect(answers).toEqual([401, 401, 401, 401, 400, 400, 400, 400, 400]);
    expect(double.calls.length).toBe(before);
    expect(await app.handoffStore.getHandoff(handoff.id)).toMatchObject({ status: 'waiting', educatorId: null });
    expect(await app.crm.listAudit()).toEqual([]);
    expect(await app.handoffStore.findEducatorByUsername(`slack:${RINA}`)).toBeUndefined();
  });

  it('answers Slack URL verification', async () => {
    await start();
    const body = JSON.stringify(fixture('url-verification.json'));
    const response = await post('/slack/events', body);
    expect(await response.json()).toEqual({
      challenge: fixture<{ challenge: string }>('url-verification.json').challenge,
    });
  });

  it('retries a 429 with Retry-After and delivers the announcement exactly once', async () => {
    await start();
    double.script('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
    const browser = await patient(url);
    await browser.say('/human');
    await expect.poll(() => announcements().length, { timeout: 10_000 }).toBe(1);
    const attempts = double.calls.filter((c) => c.method === 'chat.postMessage' && !c.params.thread_ts);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(announcements()).toHaveLength(1);
    browser.close();
  });
  it('re-announces a hand-off that passes its SLA, mentioning the on-call group', async () => {
    const clock = createManualClock(new Date());
    await start({ HANDOFF_SLA_MINUTES: 'urgent:5,high:15,normal:60' }, { clock });
    const { handoff, ts } = await handoffFromWebChat();
    clock.advance(61 * 60_000);
    expect((await app.handoff.checkSla()).map((h) => h.id)).toEqual([handoff.id]);
    await expect
      .poll(
        () =>
          double
            .accepted('chat.postMessage')
            .find((c) => c.params.thread_ts === ts && String(c.params.reply_broadcast) === 'true')?.params.text,
      )
      .toMatch(/^:rotating_light: <!subteam\^S0ONCALL01> .*has waited 1 h 1 min — past its SLA/);
    await expect
      .poll(() => JSON.stringify(double.accepted('chat.update').at(-1)?.params.blocks))
      .toContain('past its SLA <!subteam^S0ONCALL01>');
  });

  it("shows the live queue, my chats and today's numbers on the App Home tab", async () => {
    await start();
    const { handoff } = await handoffFromWebChat();
    const opened = await post('/slack/events', JSON.stringify(fixture('event-app-home-opened.json')));
    expect(opened.status).toBe(200);
    await expect.poll(() => double.accepted('views.publish').length).toBe(1);
    const published = double.accepted('views.publish')[0]!;
    expect(published.params.user_id).toBe(RINA);
    const home = JSON.stringify(published.params.view);
    expect(home).toContain('"type":"home"');
    expect(home).toContain('Opened *1* · claimed *0* · closed *0* · waiting now *1*');
    expect(home).toContain('No active chats');
    expect(home).toMatch(/Request\*.*waiting under a minute/);
    expect(home).toContain(`"value":"${handoff.id}"`);

    // Claiming refreshes it: the chat moves to "Your active chats".
    await click('sehat_claim', handoff.id, RINA);
    await expect
      .poll(() => JSON.stringify(double.accepted('views.publish').at(-1)?.params.view), { timeout: 5_000 })
      .toContain('claimed *1*');
    expect(JSON.stringify(double.accepted('views.publish').at(-1)?.params.view)).not.toContain('No active chats');
  });

  it('answers /sehat queue, kb (with a Send button), patient, help and close privately', async () => {
    await start();
    const { browser, handoff } = await handoffFromWebChat();
    const command = (text: string, user = RINA) =>
      post(
        '/slack/commands',
        commandBody({
          ...fixture<Record<string, string>>('slash-command.json'),
          text,
          user_id: user,
          response_url: `${double.url}/hooks/commands/T0CLINIC1/1/${encodeURIComponent(text)}`,
        }),
      );
    const responses = () => double.calls.filter((c) => c.method === 'response_url').map((c) => c.params);

    expect((await command('help')).status).toBe(200);
    await expect.poll(() => JSON.stringify(responses().at(-1))).toContain('/sehat kb');
    expect(responses().at(-1)).toMatchObject({ response_type: 'ephemeral' });

    await command('queue');
    await expect.poll(() => JSON.stringify(responses().at(-1))).toContain(`"value":"${handoff.id}"`);

    const conversation = await app.crm.getConversation(handoff.conversationId);
    await command(`patient ${conversation?.contactId}`);
    await expect.poll(() => JSON.stringify(responses().at(-1))).toContain('Recent history');
    expect(JSON.stringify(responses().at(-1))).toContain('what is dengue?');

    await click('sehat_profile', handoff.id, BUDI);
    await expect
      .poll(() => JSON.stringify(double.accepted('views.open').at(-1)?.params.view))
      .toContain('"text":"Patient profile"');
    expect(JSON.stringify(double.accepted('views.open').at(-1)?.params.view)).toContain('what is dengue?');

    await click('sehat_claim', handoff.id, RINA);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('claimed');
    await command('kb dengue fever');
    await expect.poll(() => JSON.stringify(responses().at(-1))).toContain('sehat_send_article');
    const kbAnswer = responses().at(-1) as {
      blocks: { type: string; elements?: { action_id: string; value: string }[] }[];
    };
    const send = kbAnswer.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'sehat_send_article');
    expect(JSON.parse(send?.value ?? '{}')).toMatchObject({ h: handoff.id, a: 'dengue' });
    await click('sehat_send_article', send?.value ?? '', RINA, { container: { type: 'message', is_ephemeral: true } });
    await expect
      .poll(() => browser.messages().find((m) => m.sender.kind === 'educator')?.parts[0])
      .toMatchObject({ kind: 'text', markdown: expect.stringMatching(/^\*\*Dengue/) });
    await expect.poll(() => JSON.stringify(responses().at(-1))).toContain('Sent “Dengue');

    await command('close Explained dengue care #dengue #fever');
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('closed');
    expect(await app.handoffStore.getHandoff(handoff.id)).toMatchObject({
      outcome: 'Explained dengue care',
      tags: ['dengue', 'fever'],
    });
    await expect.poll(() => browser.shownText()).toMatch(/How helpful was this conversation/);
    browser.close();
  });

  it('releases a chat back to the queue and transfers one to a colleague', async () => {
    await start();
    const { handoff, ts } = await handoffFromWebChat();
    await click('sehat_claim', handoff.id, RINA);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('claimed');

    // Someone else cannot release it.
    await click('sehat_release', handoff.id, BUDI);
    await expect
      .poll(() => double.accepted('chat.postEphemeral').find((c) => c.params.user === BUDI)?.params.text)
      .toBe('Only the educator who has the chat can release it.');

    await click('sehat_release', handoff.id, RINA);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('waiting');
    await expect.poll(() => double.threadText(ts)).toContain('back in the queue');
    await expect
      .poll(() => JSON.stringify(double.accepted('chat.update').at(-1)?.params.blocks))
      .toContain('sehat_claim');

    await click('sehat_claim', handoff.id, RINA);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.status).toBe('claimed');
    await click('sehat_transfer', handoff.id, RINA);
    await expect
      .poll(() => double.accepted('views.open').map((c) => (c.params.view as { callback_id?: string }).callback_id))
      .toContain('sehat_transfer_modal');
    const transferred = await post(
      '/slack/interactivity',
      interactivityBody(
        fixture('view-submission.json', {
          view: {
            private_metadata: handoff.id,
            callback_id: 'sehat_transfer_modal',
            state: { values: { to: { value: { type: 'users_select', selected_user: BUDI } } } },
          },
        }),
      ),
    );
    expect(transferred.status).toBe(200);
    const budi = async () => app.handoffStore.findEducatorByUsername(`slack:${BUDI}`);
    await expect.poll(async () => (await app.handoffStore.getHandoff(handoff.id))?.educatorId).toBe((await budi())?.id);
    await expect.poll(() => double.threadText(ts)).toContain(`<@${BUDI}> has this chat`);
    expect((await app.crm.listAudit()).map((e) => e.action)).toEqual([
      'handoff.claim',
      'handoff.release',
      'handoff.claim',
      'handoff.transfer',
    ]);
  });

  it("marks relayed replies delivered or failed from the patient channel's status", async () => {
    await start({}, { extraChannels: [receiptChannel()] });
    const siti = (text: string) =>
      app.engine.accept(
        inboundText(text, {
          channel: 'telegram',
          key: 'telegram:777',
          from: { externalId: '777', displayName: 'Siti' },
        }),
      );
    await siti('/human');
    await expect.poll(() => announcements().length).toBe(1);
    expect(JSON.stringify(announcements()[0]?.params.blocks)).toContain('— Siti');
    const ts = String(announcements()[0]?.response.ts);
    const [handoff] = await app.handoffStore.listHandoffs({ status: ['waiting'] });
    await click('sehat_claim', handoff?.id ?? '', RINA);
    await expect.poll(() => double.threadText(ts)).toContain('Transcript so far');

    const good = threadMessage(ts, RINA, 'Please drink plenty of water', 'Ev0DELIV0001');
    await good.response;
    await expect
      .poll(
        () =>
          double
            .accepted('reactions.add')
            .filter((c) => c.params.timestamp === good.ts)
            .map((c) => c.params.name),
        { timeout: 10_000 },
      )
      .toEqual(['heavy_check_mark', 'white_check_mark']);
    expect(double.accepted('reactions.remove').find((c) => c.params.timestamp === good.ts)?.params.name).toBe(
      'heavy_check_mark',
    );

    const bad = threadMessage(ts, RINA, 'UNDELIVERABLE reply', 'Ev0DELIV0002');
    await bad.response;
    await expect
      .poll(() => double.accepted('reactions.add').find((c) => c.params.timestamp === bad.ts)?.params.name)
      .toBe('x');
    await expect.poll(() => double.threadText(ts)).toContain('Not delivered to the patient');
  });

  it('catches the thread up with patient messages written while Slack was down', async () => {
    await start();
    const { browser, handoff, ts } = await handoffFromWebChat();
    await click('sehat_claim', handoff.id, RINA);
    await expect.poll(() => double.threadText(ts)).toContain('Transcript so far');
    double.down = true;
    await browser.say('are you still there?');
    await expect.poll(() => double.calls.filter((c) => c.status === 503).length).toBeGreaterThan(0);
    const stored = await app.crm.listMessages(handoff.conversationId);
    expect(stored.some((m) => m.direction === 'in' && m.text === 'are you still there?')).toBe(true);
    expect(double.threadText(ts)).not.toContain('are you still there?');
    double.down = false;
    await expect.poll(() => double.threadText(ts), { timeout: 30_000 }).toContain('are you still there?');
    const posts = double
      .accepted('chat.postMessage')
      .filter((c) => String(c.params.text).includes('are you still there?'));
    expect(posts).toHaveLength(1);
    browser.close();
  });

  it('hides the educator name from patients and uses the configured note prefix when so configured', async () => {
    await start({ SLACK_SHOW_EDUCATOR_NAME: 'false', SLACK_NOTE_PREFIX: '!note' });
    const { browser, handoff, ts } = await handoffFromWebChat();
    await click('sehat_claim', handoff.id, RINA);
    await expect.poll(() => browser.shownText()).toMatch(/Educator \(health educator\) has joined/);
    expect(browser.shownText()).not.toContain('Rina');
    await expect.poll(() => double.threadText(ts)).toContain('start a message with `!note`');
    await threadMessage(ts, RINA, '!note private remark', 'Ev0PREFIX001').response;
    await threadMessage(ts, RINA, '// this one goes to the patient', 'Ev0PREFIX002').response;
    await expect
      .poll(() => browser.messages().find((m) => m.sender.kind === 'educator'))
      .toMatchObject({ sender: { name: 'Educator' }, parts: [{ markdown: '// this one goes to the patient' }] });
    const notes = (await app.crm.listMessages(handoff.conversationId)).filter((m) => m.direction === 'note');
    expect(notes.map((m) => m.text)).toEqual(['private remark']);
    browser.close();
  });

  it('fails at start-up with a clear message when Slack refuses the token or the channel', async () => {
    await expect(start({ SLACK_BOT_TOKEN: 'xoxb-wrong-token' })).rejects.toThrow(
      /SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\)/,
    );
    await expect(start({ SLACK_CHANNEL_ID: 'C0NOSUCHCHAN' })).rejects.toThrow(
      /SLACK_CHANNEL_ID was refused by Slack \(channel_not_found\)/,
    );
    expect(() => parseEnv({ ...baseEnv(), SLACK_CHANNEL_ID: '#educators' })).toThrow(
      /SLACK_CHANNEL_ID: must be a channel id/,
    );
    await expect(
      createApp(parseEnv({ ...baseEnv(), SLACK_SIGNING_SECRET: '' }), { logger: createSilentLogger() }),
    ).rejects.toThrow(/SLACK_SIGNING_SECRET: required when SLACK_MODE=http/);
  });
});

describe('Slack educator console with several processes and outages', () => {
  let double: SlackDouble;
  let core: TestCore;
  const consoles: SlackConsole[] = [];
  const rapid = { retries: 0, minTimeout: 1, maxTimeout: 1 };

  beforeAll(async () => {
    double = await startSlackDouble({ channels: [CHANNEL] });
  });
  afterAll(async () => {
    for (const c of consoles) await c.stop();
    await core?.stop();
    await double.close();
  });

  /** One console per "process", sharing the CRM, the hand-off queue and the key-value state (Redis in production). */
  const slackConsole = () =>
    createSlackConsole(
      slackConfigFromEnv(
        parseEnv({
          SLACK_ENABLED: 'true',
          SLACK_MODE: 'http',
          SLACK_BOT_TOKEN: double.botToken,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_CHANNEL_ID: CHANNEL,
          SLACK_API_URL: double.apiUrl,
          SLACK_SYNC_INTERVAL_SECONDS: '3600',
        }),
      ),
      {
        service: core.handoff,
        store: core.handoffStore,
        crm: core.crm,
        kv: core.kv,
        knowledge: () => core.kb.current(),
        logger: createSilentLogger(),
        clock: core.clock,
        retry: rapid,
      },
    );

  it('announces each hand-off once, mirrors the web console, and catches up after an outage longer than the retries', async () => {
    core = await createTestCore();
    consoles.push(slackConsole(), slackConsole());
    for (const c of consoles) await c.start();
    const [first, second] = consoles as [SlackConsole, SlackConsole];
    const announcements = () =>
      double.accepted('chat.postMessage').filter((c) => c.params.channel === CHANNEL && !c.params.thread_ts);

    await core.say(inboundText('/human', { from: { externalId: 'p9', displayName: 'Ayu' }, key: 'webchat:p9' }));
    await expect.poll(() => announcements().length).toBe(1);
    await Promise.all([first.idle(), second.idle(), first.syncNow(), second.syncNow()]);
    expect(announcements()).toHaveLength(1);
    const ts = String(announcements()[0]?.response.ts);

    // A web-console educator claims and replies: Slack shows it.
    const web = await core.handoffStore.createEducator({
      username: 'dewi',
      displayName: 'Ns. Dewi',
      passwordHash: 'x',
      at: new Date(),
    });
    const [handoff] = await core.handoffStore.listHandoffs({ status: ['waiting'] });
    await core.handoff.claim(handoff?.id ?? '', web);
    await core.handoff.reply(handoff?.id ?? '', web, 'Halo Ayu, saya Dewi.');
    await expect.poll(() => double.threadText(ts)).toContain('Halo Ayu, saya Dewi.');
    expect(double.threadText(ts)).toContain('Ns. Dewi has this chat');

    // Slack is down for longer than the Web API client retries: the message waits in the CRM.
    double.down = true;
    await core.say(inboundText('masih di sana?', { from: { externalId: 'p9' }, key: 'webchat:p9' }));
    await Promise.all([first.idle(), second.idle()]);
    expect(double.calls.filter((c) => c.status === 503).length).toBeGreaterThan(0);
    expect(double.threadText(ts)).not.toContain('masih di sana?');
    const stored = await core.crm.listMessages(handoff?.conversationId ?? '');
    expect(stored.map((m) => m.text)).toContain('masih di sana?');

    // Slack is back: the next catch-up pass (any process) posts it, exactly once.
    double.down = false;
    await first.syncNow();
    await second.syncNow();
    expect(double.threadText(ts)).toContain('masih di sana?');
    expect(
      double.accepted('chat.postMessage').filter((c) => String(c.params.text).includes('masih di sana?')),
    ).toHaveLength(1);
  });
});

describe('Slack educator console (Socket Mode)', () => {
  let double: SlackDouble;
  let app: App | undefined;
  beforeAll(async () => {
    double = await startSlackDouble({ channels: [CHANNEL] });
    double.users.set(RINA, { name: 'rina', displayName: 'Ns. Rina' });
  });
  afterAll(async () => {
    await app?.stop();
    await double.close();
  });

  it('connects with the app-level token and handles interactions and events over the socket', async () => {
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
        SLACK_ENABLED: 'true',
        SLACK_MODE: 'socket',
        SLACK_BOT_TOKEN: double.botToken,
        SLACK_APP_TOKEN: double.appToken,
        SLACK_CHANNEL_ID: CHANNEL,
        SLACK_API_URL: double.apiUrl,
      }),
      { logger: createSilentLogger(), extraChannels: [receiptChannel()] },
    );
    await app.start();
    await double.socketConnected();
    expect(double.accepted('apps.connections.open')[0]?.token).toBe(double.appToken);
    // No HTTP routes in Socket Mode.
    await app.engine.accept(
      inboundText('/human', { channel: 'telegram', key: 'telegram:55', from: { externalId: '55' } }),
    );
    await expect.poll(() => double.accepted('chat.postMessage').filter((c) => !c.params.thread_ts).length).toBe(1);
    const ts = String(double.accepted('chat.postMessage')[0]?.response.ts);
    const [handoff] = await app.handoffStore.listHandoffs({ status: ['waiting'] });

    const ack = await double.sendEnvelope({
      type: 'interactive',
      payload: fixture('block-actions-button.json', {
        actions: [
          { action_id: 'sehat_claim', block_id: 'handoff_actions', type: 'button', value: handoff?.id, action_ts: '1' },
        ],
        response_url: `${double.url}/hooks/actions/1`,
      }),
    });
    expect(ack).toEqual({});
    await expect.poll(async () => (await app?.handoffStore.getHandoff(handoff?.id ?? ''))?.status).toBe('claimed');
    await expect.poll(() => double.threadText(ts)).toContain('Transcript so far');

    const base = fixture<{ event: Record<string, unknown> }>('event-message-thread-reply.json');
    await double.sendEnvelope({
      type: 'events_api',
      payload: fixture('event-message-thread-reply.json', {
        event: { ...base.event, user: RINA, text: 'Halo dari Slack', thread_ts: ts, ts: '1767000999.000001' },
        event_id: 'Ev0SOCKET001',
      }),
    });
    await expect
      .poll(
        async () =>
          (await app?.crm.listMessages(handoff?.conversationId ?? ''))?.find((m) => m.author.kind === 'educator')?.text,
      )
      .toBe('Halo dari Slack');
  });
});
