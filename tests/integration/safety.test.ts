import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/core/types.ts';
import { inboundText } from '../support/builders.ts';
import { createTestCore, shown, type TestCore } from '../support/test-core.ts';

/** One realistic message per triage class and language: the reply the patient gets, and the Decision. */
const CASES: {
  lang: string;
  text: string;
  triage: Decision['triage'];
  action: Decision['action'];
  says: RegExp;
  priority?: string;
}[] = [
  {
    lang: 'en',
    text: 'my dad has crushing chest pain and is sweating',
    triage: 'emergency',
    action: 'handoff',
    says: /emergency/i,
    priority: 'urgent',
  },
  {
    lang: 'id',
    text: 'dada sakit bgt sesak napas keringat dingin',
    triage: 'emergency',
    action: 'handoff',
    says: /darurat/i,
    priority: 'urgent',
  },
  {
    lang: 'en',
    text: 'i just want to sleep and not wake up',
    triage: 'crisis',
    action: 'handoff',
    says: /safe right now/i,
    priority: 'urgent',
  },
  {
    lang: 'id',
    text: 'pengen mati aja rasanya',
    triage: 'crisis',
    action: 'handoff',
    says: /aman saat ini/i,
    priority: 'urgent',
  },
  {
    lang: 'en',
    text: 'the nurse was rude and i will post this on facebook',
    triage: 'complaint',
    action: 'handoff',
    says: /sorry/i,
    priority: 'high',
  },
  {
    lang: 'id',
    text: 'pelayanannya parah bgt, mau sy viralin',
    triage: 'complaint',
    action: 'handoff',
    says: /maaf/i,
    priority: 'high',
  },
  {
    lang: 'en',
    text: 'can i talk to a real nurse please',
    triage: 'human_request',
    action: 'handoff',
    says: /health educator/i,
    priority: 'normal',
  },
  {
    lang: 'id',
    text: 'saya mau bicara dengan perawat',
    triage: 'human_request',
    action: 'handoff',
    says: /edukator kesehatan/i,
    priority: 'normal',
  },
  {
    lang: 'en',
    text: 'how many mg of amoxicillin should i give my 3 year old',
    triage: 'personal_medical',
    action: 'handoff',
    says: /personal dose/i,
    priority: 'normal',
  },
  {
    lang: 'id',
    text: 'dosis amoxicillin buat anak sy brp',
    triage: 'personal_medical',
    action: 'handoff',
    says: /dosis obat pribadi/i,
    priority: 'normal',
  },
  {
    lang: 'en',
    text: 'what are the danger signs in pregnancy?',
    triage: 'routine',
    action: 'answer',
    says: /pregnan/i,
  },
  { lang: 'id', text: 'tanda bahaya kehamilan apa saja?', triage: 'routine', action: 'answer', says: /hamil/i },
];

describe('safety triage in the conversation', () => {
  let core: TestCore;
  afterEach(async () => {
    await core?.stop();
  });

  it.each(CASES)('[$lang] "$text" → $triage / $action', async ({ text, triage, action, says, priority }) => {
    core = await createTestCore({ DEPLOYMENT_COUNTRY: 'ID' });
    const replies = await core.say(inboundText(text));
    const conversation = await core.crm.findConversationByKey('webchat:patient-1');
    const stored = (await core.crm.listMessages(conversation?.id ?? '')).filter((m) => m.direction === 'out');
    const main = stored.find((m) => m.decision?.action !== 'notice')?.decision;
    expect(main).toMatchObject({ triage, action });
    expect(shown(replies)).toMatch(says);
    const handoff = await core.handoffStore.findOpenHandoff(conversation?.id ?? '');
    if (priority) expect(handoff?.priority).toBe(priority);
    else expect(handoff).toBeUndefined();
    if (triage === 'emergency' || triage === 'crisis') {
      // Never a routine article for an emergency or a crisis; the local numbers are named.
      expect(replies.flatMap((r) => r.parts).some((p) => p.kind === 'article')).toBe(false);
      expect(shown(replies)).toMatch(/112/);
    }
  });

  it('answers an emergency at once even while an educator has the chat, and raises the hand-off to urgent', async () => {
    core = await createTestCore({ DEPLOYMENT_COUNTRY: 'ID' });
    const rina = await core.handoffStore.createEducator({
      username: 'rina',
      displayName: 'Ns. Rina',
      passwordHash: 'x',
      at: new Date(),
    });
    await core.say(inboundText('/human'));
    const conversation = await core.crm.findConversationByKey('webchat:patient-1');
    const handoff = await core.handoffStore.findOpenHandoff(conversation?.id ?? '');
    await core.handoff.claim(handoff?.id ?? '', rina);
    expect(await core.say(inboundText('what is dengue?'))).toEqual([]); // relayed, not answered
    const replies = await core.say(inboundText('anak saya kejang kejang sekarang'));
    expect(shown(replies)).toMatch(/darurat/i);
    expect(shown(replies)).toMatch(/112/);
    expect(await core.handoffStore.getHandoff(handoff?.id ?? '')).toMatchObject({
      status: 'claimed',
      priority: 'urgent',
      reason: 'emergency',
    });
  });

  it('puts urgent hand-offs before older normal ones in the queue', async () => {
    core = await createTestCore();
    await core.say(inboundText('/human', { from: { externalId: 'a' }, key: 'webchat:a' }));
    await core.say(inboundText('i want to kill myself', { from: { externalId: 'b' }, key: 'webchat:b' }));
    const views = await core.handoff.queueViews();
    expect(views.map((v) => [v.handoff.priority, v.handoff.reason])).toEqual([
      ['urgent', 'crisis'],
      ['normal', 'human_request'],
    ]);
  });
});
