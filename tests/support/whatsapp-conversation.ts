import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { Conversation } from '../../src/crm/crm-store.ts';
import { parseFrontMatter } from '../../src/knowledge/front-matter.ts';

/**
 * The conversation every WhatsApp way in must carry the same (Cloud API through the Graph double, WhatsApp
 * Web through a fake whatsapp-web.js client): same answers, same buttons-or-numbers, same CRM identity.
 */
export interface WhatsappPatient {
  /** The conversation key both ways in share: `whatsapp:<number>`. */
  key: `whatsapp:${string}`;
  /** The patient writes (and the platform hands the message over); `id` repeats a platform message id. */
  say(text: string, options?: { id?: string }): Promise<void>;
  /** The patient picks the offered option with this label (a button tap, or its number typed). */
  choose(label: string): Promise<void>;
  sendImage(): Promise<void>;
  /** Everything the patient was shown, oldest first. */
  shown(): string[];
}

export interface WhatsappHarness {
  app: App;
  patient: WhatsappPatient;
  close(): Promise<void>;
}

const article = (lang: string, id: string) => readFileSync(`knowledge/${lang}/${id}.md`, 'utf8');
const summaryOf = (lang: string, id: string) =>
  String((parseFrontMatter(article(lang, id)).data as { summary: string }).summary).trim();
const firstSectionOf = (lang: string, id: string) => /^## (.+)$/m.exec(article(lang, id))?.[1] ?? '';

export function whatsappConversationSuite(start: () => Promise<WhatsappHarness>): void {
  let h: WhatsappHarness;
  beforeEach(async () => {
    h = await start();
  });
  afterEach(async () => {
    await h.close();
  });
  const conversation = async (): Promise<Conversation> => {
    await expect.poll(() => h.app.crm.findConversationByKey(h.patient.key)).toBeDefined();
    return (await h.app.crm.findConversationByKey(h.patient.key)) as Conversation;
  };
  const seen = (pattern: string | RegExp) =>
    expect
      .poll(() => h.patient.shown().some((s) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s))))
      .toBe(true);

  it('answers "apa itu demam berdarah?" with the Indonesian dengue summary and offers more; choosing it gives the next section', async () => {
    await h.patient.say('apa itu demam berdarah?');
    await seen(summaryOf('id', 'dengue'));
    await seen('Selengkapnya');
    await h.patient.choose('Selengkapnya');
    await seen(`*${firstSectionOf('id', 'dengue')}*`);
    expect((await conversation()).language).toBe('id');
  });

  it('hands over to an educator: queue notice, the educator joins and replies, the patient is relayed', async () => {
    await h.patient.say('/human');
    await seen(/queue/);
    const { id } = await conversation();
    await expect.poll(() => h.app.handoffStore.findOpenHandoff(id)).toBeDefined();
    const handoff = await h.app.handoffStore.findOpenHandoff(id);
    const rina = await h.app.handoffStore.createEducator({
      username: 'rina',
      displayName: 'Ns. Rina',
      passwordHash: 'x',
      at: new Date(),
    });
    await h.app.handoff.claim(handoff?.id ?? '', rina);
    await h.app.handoff.reply(handoff?.id ?? '', rina, 'Halo, ada yang bisa saya bantu?');
    await seen('*Ns. Rina:*\nHalo, ada yang bisa saya bantu?');
    const before = h.patient.shown().length;
    await h.patient.say('anak saya demam tiga hari');
    await expect
      .poll(async () =>
        (await h.app.crm.listMessages(id)).some((m) => m.direction === 'in' && m.text === 'anak saya demam tiga hari'),
      )
      .toBe(true);
    await h.app.queue.idle();
    expect(h.patient.shown().length).toBe(before);
  });

  it('keeps a photo for the educator and tells the patient the bot reads text only', async () => {
    await h.patient.sendImage();
    await seen(/only read text messages/);
    const stored = await h.app.crm.listMessages((await conversation()).id);
    expect(stored.find((m) => m.direction === 'in')?.content).toMatchObject({ kind: 'media', media: 'image' });
  });

  it('handles a message delivered three times once', async () => {
    for (let i = 0; i < 3; i++) await h.patient.say('what is tuberculosis?', { id: 'same-message-id-1' });
    await seen(summaryOf('en', 'tuberculosis'));
    await h.app.queue.idle();
    const stored = await h.app.crm.listMessages((await conversation()).id);
    expect(stored.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(h.patient.shown().filter((s) => s.includes(summaryOf('en', 'tuberculosis')))).toHaveLength(1);
  });
}
