import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WebMessage } from '../../../adapters/whatsapp-web/client.ts';
import { parseWebMessage, resolveNumberedReply } from '../../../adapters/whatsapp-web/parse.ts';
import { renderWebMessage } from '../../../adapters/whatsapp-web/render.ts';
import type { InboundMessage } from '../../../src/core/types.ts';

const NOW = new Date('2026-03-02T03:30:00Z');
const FIXTURES = JSON.parse(readFileSync('tests/fixtures/whatsapp/web-messages.json', 'utf8')) as Record<
  string,
  WebMessage
>;
const parse = (name: string, phone?: string) =>
  parseWebMessage(FIXTURES[name] as WebMessage, { now: NOW, ...(phone && { phone }) });

describe('whatsapp-web.js message parsing (private chats only)', () => {
  it.each([
    ['chat', { kind: 'text', text: 'apa itu demam berdarah?' }],
    [
      'image',
      {
        kind: 'media',
        media: 'image',
        ref: 'whatsapp-web-media:false_6281234567890@c.us_3EB0A1E2B34B42F9141689',
        caption: 'ruam di lengan anak saya',
      },
    ],
    [
      'voice',
      { kind: 'media', media: 'audio', ref: 'whatsapp-web-media:false_6281234567890@c.us_3EB0705D0B85A7FE9F4741' },
    ],
    ['document', { kind: 'media', media: 'document', caption: 'hasil-lab.pdf' }],
    ['sticker', { kind: 'media', media: 'sticker' }],
    [
      'location',
      {
        kind: 'media',
        media: 'location',
        ref: 'geo:-6.1753924,106.8271528',
        caption: 'Puskesmas Gambir\nJl. Kesehatan No. 1, Jakarta',
      },
    ],
    ['list_response', { kind: 'choice', choiceId: 'article:dengue', label: 'Demam berdarah dengue' }],
    ['poll', { kind: 'unsupported', platformType: 'poll_creation' }],
  ])('%s → %o', (name, content) => {
    const parsed = parse(name);
    if ('ignored' in parsed) throw new Error(parsed.ignored);
    expect(parsed.message).toMatchObject({
      channel: 'whatsapp',
      key: 'whatsapp:6281234567890',
      from: { externalId: '6281234567890', displayName: 'Siti Rahma' },
      receivedAt: new Date('2026-03-02T03:00:00Z'),
      replyContext: { chatId: '6281234567890@c.us' },
      content,
    });
  });

  it.each([
    ['group', /group/],
    ['status', /status/],
    ['from_me', /sent by us/],
    ['revoked', /system/],
    ['e2e_notification', /system/],
    ['lid', /not a private chat/],
  ])('ignores %s', (name, reason) => {
    expect(parse(name)).toEqual({ ignored: expect.stringMatching(reason) });
  });

  it('maps a privacy-id (@lid) chat to the phone number when it is known, keeping the chat for replies', () => {
    const parsed = parse('lid', '6281234567890');
    expect(parsed).toMatchObject({
      message: { key: 'whatsapp:6281234567890', replyContext: { chatId: '102938475610293@lid' } },
    });
  });

  it('never throws on odd input', () => {
    for (const odd of [null, {}, { from: 5 }, { from: '62@c.us', type: 'chat' }, { from: '62812345@c.us', id: {} }])
      expect(() => parseWebMessage(odd as unknown as WebMessage, { now: NOW })).not.toThrow();
  });
});

describe('WhatsApp Web replies: numbered choices', () => {
  const reply = renderWebMessage({
    key: 'whatsapp:6281234567890',
    sender: { kind: 'bot' },
    correlationId: 'c',
    parts: [
      { kind: 'article', articleId: 'dengue', title: 'DBD', summary: 'Demam **tinggi**.', sources: [] },
      { kind: 'choices', prompt: '', choices: [{ id: 'more:dengue', label: 'Selengkapnya' }] },
    ],
  });

  it('shows choices as a numbered list under the text they belong to', () => {
    expect(reply.texts).toEqual(['*DBD*\n\nDemam *tinggi*.\n\n*1.* Selengkapnya']);
    expect(reply.choices).toEqual([{ n: 1, id: 'more:dengue', label: 'Selengkapnya' }]);
  });

  const inbound = (text: string): InboundMessage => ({
    id: 'm',
    channel: 'whatsapp',
    key: 'whatsapp:6281234567890',
    from: { externalId: '6281234567890' },
    receivedAt: NOW,
    content: { kind: 'text', text },
  });
  it.each([
    ['1', { kind: 'choice', choiceId: 'more:dengue', label: 'Selengkapnya' }],
    [' 1. ', { kind: 'choice', choiceId: 'more:dengue', label: 'Selengkapnya' }],
    ['2', { kind: 'text', text: '2' }],
    ['1 hari', { kind: 'text', text: '1 hari' }],
  ])('a reply of %j → %o', (text, content) => {
    expect(resolveNumberedReply(inbound(text), reply.choices).content).toEqual(content);
  });

  it('reads a number as text when no list is pending (e.g. a rating from 1 to 5)', () => {
    expect(resolveNumberedReply(inbound('1'), []).content).toEqual({ kind: 'text', text: '1' });
  });
});
