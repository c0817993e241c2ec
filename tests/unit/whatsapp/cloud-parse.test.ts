import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../../../adapters/whatsapp-cloud/parse.ts';

const NOW = new Date('2026-03-02T03:30:00Z');
const fixture = (name: string): unknown => JSON.parse(readFileSync(`tests/fixtures/whatsapp/${name}.json`, 'utf8'));
const parse = (name: string) => parseWebhook(fixture(name), { phoneNumberId: '106540352242922', now: NOW });

describe('WhatsApp Cloud webhook parsing (fixtures shaped like Meta’s documented payloads)', () => {
  const cases: [string, unknown][] = [
    ['text', { kind: 'text', text: 'apa itu demam berdarah?' }],
    ['interactive-button-reply', { kind: 'choice', choiceId: 'more:dengue', label: 'Selengkapnya' }],
    ['interactive-list-reply', { kind: 'choice', choiceId: 'article:dengue', label: 'Demam berdarah dengue' }],
    ['button-template-reply', { kind: 'choice', choiceId: 'SHOW_MESSAGE', label: 'Lihat pesan' }],
    [
      'image',
      { kind: 'media', media: 'image', ref: 'whatsapp-media:1003383421387256', caption: 'ruam di lengan anak saya' },
    ],
    ['audio', { kind: 'media', media: 'audio', ref: 'whatsapp-media:1138245847741562' }],
    ['video', { kind: 'media', media: 'video', ref: 'whatsapp-media:1166846181421424', caption: 'batuk anak saya' }],
    ['document', { kind: 'media', media: 'document', ref: 'whatsapp-media:1073390221348712', caption: 'hasil lab' }],
    ['sticker', { kind: 'media', media: 'sticker', ref: 'whatsapp-media:1228478288843406' }],
    [
      'location',
      {
        kind: 'media',
        media: 'location',
        ref: 'geo:-6.1753924,106.8271528',
        caption: 'Puskesmas Gambir, Jl. Kesehatan No. 1, Jakarta',
      },
    ],
    ['unsupported', { kind: 'unsupported', platformType: 'unsupported:edit' }],
    ['contacts', { kind: 'unsupported', platformType: 'contacts' }],
  ];
  it.each(cases)('%s → %o', (name, content) => {
    const parsed = parse(name);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.messages).toHaveLength(1);
    expect(parsed.messages[0]).toMatchObject({
      channel: 'whatsapp',
      key: 'whatsapp:6281234567890',
      from: { externalId: '6281234567890', displayName: 'Siti Rahma' },
      receivedAt: new Date('2026-03-02T03:00:00Z'),
      content,
    });
    expect(parsed.messages[0]?.id).toMatch(/^wamid\./);
    expect(parsed.messages[0]?.replyContext).toEqual({ messageId: parsed.messages[0]?.id });
  });

  it.each([
    ['reaction', /reaction/],
    ['system', /changed number/],
  ])('ignores %s with a reason', (name, reason) => {
    const parsed = parse(name);
    expect(parsed.messages).toEqual([]);
    expect(parsed.ignored).toEqual([{ reason: expect.stringMatching(reason), id: expect.stringMatching(/^wamid\./) }]);
  });

  it.each([
    ['status-sent', 'sent', undefined],
    ['status-delivered', 'delivered', undefined],
    ['status-read', 'read', undefined],
    ['status-failed', 'failed', '131026: Message undeliverable'],
  ])('%s → a %s delivery status', (name, status, error) => {
    const parsed = parse(name);
    expect(parsed.messages).toEqual([]);
    expect(parsed.statuses).toEqual([
      {
        channel: 'whatsapp',
        platformMessageId: 'wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ0QkY4NEM5RjVCN0M1RjZBRAA=',
        status,
        ...(error && { error, errorCode: 131026 }),
        recipientId: '6281234567890',
        at: new Date('2026-03-02T03:00:00Z'),
      },
    ]);
  });

  it('splits a batched webhook into one message per patient, each with its own profile name', () => {
    const parsed = parse('batched');
    expect(parsed.messages.map((m) => [m.key, m.from.displayName])).toEqual([
      ['whatsapp:6281234567890', 'Siti Rahma'],
      ['whatsapp:6281234567891', 'Agus'],
      ['whatsapp:6281234567892', 'Dewi'],
    ]);
  });

  it('never throws on unknown or broken shapes', () => {
    const weird: unknown[] = [
      null,
      42,
      'text',
      {},
      { object: 'page', entry: [] },
      { object: 'whatsapp_business_account', entry: 'x' },
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'account_update', value: {} }] }] },
      {
        object: 'whatsapp_business_account',
        entry: [
          { changes: [{ field: 'messages', value: { messages: [{ id: 'wamid.1', from: '62', type: 'hologram' }] } }] },
        ],
      },
      {
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ field: 'messages', value: { messages: [{ from: '62' }], statuses: [{ id: 'x' }] } }] }],
      },
      {
        object: 'whatsapp_business_account',
        entry: [
          { changes: [{ field: 'messages', value: { messages: [{ id: 'w', from: '62', type: 'interactive' }] } }] },
        ],
      },
    ];
    for (const payload of weird) expect(() => parseWebhook(payload, { now: NOW })).not.toThrow();
    const hologram = parseWebhook(weird[7], { now: NOW });
    expect(hologram.messages[0]?.content).toEqual({ kind: 'unsupported', platformType: 'hologram' });
    expect(hologram.messages[0]?.receivedAt).toEqual(NOW);
  });

  it('ignores messages for another business number on the same app', () => {
    const parsed = parseWebhook(fixture('text'), { phoneNumberId: '999', now: NOW });
    expect(parsed.messages).toEqual([]);
    expect(parsed.ignored).toEqual([{ reason: 'another business phone number' }]);
  });
});
