import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.ts';
import { inboundText } from '../support/builders.ts';
import { createTestCore, shown, type TestCore } from '../support/test-core.ts';

const RINA = { username: 'rina', displayName: 'Ns. Rina', passwordHash: 'x' };
const BUDI = { username: 'budi', displayName: 'Ns. Budi', passwordHash: 'x' };

describe('hand-off to a health educator', () => {
  let core: TestCore;
  afterEach(async () => {
    await core?.stop();
  });

  async function openHandoff(text = '/human', externalId = 'p1') {
    await core.say(inboundText(text, { from: { externalId }, key: `webchat:${externalId}` }));
    const conversation = await core.crm.findConversationByKey(`webchat:${externalId}`);
    const handoff = await core.handoffStore.findOpenHandoff(conversation?.id ?? '');
    if (!conversation || !handoff) throw new Error('no hand-off was opened');
    return { conversation, handoff };
  }

  it('tells the patient their place in the queue, then relays the claim, the reply, and asks for a rating on close', async () => {
    core = await createTestCore();
    const rina = await core.handoffStore.createEducator({ ...RINA, at: new Date() });
    const { conversation, handoff } = await openHandoff();
    expect(shown(core.sent)).toMatch(/number 1 in the queue/);
    expect((await core.crm.getConversation(conversation.id))?.mode).toBe('waiting');

    expect(await core.handoff.claim(handoff.id, rina)).toMatchObject({ status: 'claimed' });
    expect((await core.crm.getConversation(conversation.id))?.mode).toBe('with_educator');
    expect(shown(core.sent.slice(-1))).toMatch(/Ns\. Rina \(health educator\) has joined/);

    // While the educator has the chat, the bot does not answer routine questions.
    const relayed = await core.say(inboundText('what is dengue?', { from: { externalId: 'p1' }, key: 'webchat:p1' }));
    expect(relayed).toEqual([]);

    await core.handoff.reply(handoff.id, rina, 'Halo, ada yang bisa saya bantu?');
    const educatorMessage = core.sent.at(-1);
    expect(educatorMessage?.sender).toEqual({ kind: 'educator', educatorId: rina.id, name: 'Ns. Rina' });

    await core.handoff.close(handoff.id, rina, 'Explained dengue warning signs', ['dengue']);
    expect(shown(core.sent.slice(-1))).toMatch(/from 1 \(not at all\) to 5/);
    expect((await core.crm.getConversation(conversation.id))?.mode).toBe('bot');

    const thanks = await core.say(inboundText('5 very helpful', { from: { externalId: 'p1' }, key: 'webchat:p1' }));
    expect(shown(thanks)).toMatch(/Thank you for your feedback/);
    expect(await core.handoffStore.listFeedback(conversation.id)).toMatchObject([
      { rating: 5, comment: 'very helpful', handoffId: handoff.id },
    ]);
    const closed = await core.handoffStore.getHandoff(handoff.id);
    expect(closed).toMatchObject({
      status: 'closed',
      outcome: 'Explained dengue warning signs',
      tags: ['dengue'],
      educatorId: rina.id,
    });
    expect(closed?.claimedAt && closed.closedAt).toBeTruthy();
    expect((await core.crm.listAudit()).map((e) => e.action)).toEqual([
      'handoff.claim',
      'handoff.reply',
      'handoff.close',
    ]);
  });

  it('lets exactly one of two educators claim a chat', async () => {
    core = await createTestCore();
    const rina = await core.handoffStore.createEducator({ ...RINA, at: new Date() });
    const budi = await core.handoffStore.createEducator({ ...BUDI, at: new Date() });
    const { handoff } = await openHandoff();
    const results = await Promise.all([core.handoff.claim(handoff.id, rina), core.handoff.claim(handoff.id, budi)]);
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'taken');
    expect(loser).toMatchObject({ status: 'taken', by: { username: expect.stringMatching(/rina|budi/) } });
  });

  it('out of hours tells the patient when the team will reply, and the hand-off waits', async () => {
    // Wednesday 21:00 in Jakarta (14:00 UTC); educators work mon-fri 08:00-16:00.
    const clock = createManualClock('2026-03-04T14:00:00Z');
    core = await createTestCore({ EDUCATOR_HOURS: 'mon-fri 08:00-16:00', TIMEZONE: 'Asia/Jakarta' }, { clock });
    await openHandoff('/human');
    expect(shown(core.sent)).toMatch(/not working right now.*tomorrow|not working right now.*on Thursday/s);
    expect(shown(core.sent)).toMatch(/08:00/);
    const waiting = await core.handoffStore.listHandoffs({ status: ['waiting'] });
    expect(waiting).toHaveLength(1);
  });

  it('escalates a hand-off that waits past its SLA, once', async () => {
    const clock = createManualClock('2026-03-02T03:00:00Z'); // Monday 10:00 Jakarta, open
    core = await createTestCore({ HANDOFF_SLA_MINUTES: 'urgent:5,high:15,normal:60' }, { clock });
    const events: string[] = [];
    core.handoff.subscribe((e) => events.push(e.kind));
    const { handoff } = await openHandoff();
    clock.advance(59 * 60_000);
    expect(await core.handoff.checkSla()).toEqual([]);
    clock.advance(2 * 60_000);
    expect((await core.handoff.checkSla()).map((h) => h.id)).toEqual([handoff.id]);
    expect(await core.handoff.checkSla()).toEqual([]);
    expect(events).toContain('escalated');
    expect((await core.handoffStore.getHandoff(handoff.id))?.escalatedAt).toBe(clock.now().toISOString());
  });

  it('orders the queue by priority, then by waiting time', async () => {
    core = await createTestCore();
    const normal = await openHandoff('/human', 'a');
    const unanswered = await openHandoff('qwxz blorft zzkv', 'b');
    const views = await core.handoff.queueViews();
    expect(views.map((v) => v.handoff.id)).toEqual([normal.handoff.id, unanswered.handoff.id]);
    expect(views[0]).toMatchObject({ position: 1, channel: 'webchat' });
  });

  it('shows the educator the transcript, the profile and what the bot answered before', async () => {
    core = await createTestCore();
    await core.say(
      inboundText('what is dengue?', { from: { externalId: 'p1', displayName: 'Siti' }, key: 'webchat:p1' }),
    );
    const { handoff } = await openHandoff('/human');
    const view = await core.handoff.view(handoff.id);
    expect(view.contact.displayName).toBe('Siti');
    expect(view.botAttempt?.decision).toMatchObject({ action: 'answer' });
    const transcript = await core.handoff.transcript(handoff.id);
    expect(transcript.map((l) => l.author)).toEqual(['patient', 'bot', 'patient', 'bot', 'bot']);
  });

  it('lets only the owner reply and puts a released chat back in the queue', async () => {
    core = await createTestCore();
    const rina = await core.handoffStore.createEducator({ ...RINA, at: new Date() });
    const budi = await core.handoffStore.createEducator({ ...BUDI, at: new Date() });
    const { handoff, conversation } = await openHandoff();
    await core.handoff.claim(handoff.id, rina);
    await expect(core.handoff.reply(handoff.id, budi, 'hi')).rejects.toThrow(/only the educator who claimed/);
    expect(await core.handoff.release(handoff.id, rina)).toBe(true);
    expect((await core.crm.getConversation(conversation.id))?.mode).toBe('waiting');
    expect((await core.handoff.queueViews())[0]?.handoff.status).toBe('waiting');
    expect(await core.handoff.claim(handoff.id, budi)).toMatchObject({ status: 'claimed' });
  });
});
