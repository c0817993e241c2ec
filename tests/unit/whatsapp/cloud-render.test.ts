import { describe, expect, it } from 'vitest';
import { clip, toWhatsappText } from '../../../adapters/whatsapp-cloud/format.ts';
import { LIMITS, renderMessage, renderReadReceipt, renderTemplate } from '../../../adapters/whatsapp-cloud/render.ts';
import type { OutboundMessage, OutboundPart } from '../../../src/core/types.ts';

const TO = '6281234567890';
const message = (parts: OutboundPart[], sender: OutboundMessage['sender'] = { kind: 'bot' }): OutboundMessage => ({
  key: `whatsapp:${TO}`,
  sender,
  parts,
  correlationId: 'c1',
});
const choices = (n: number, label = (i: number) => `Option ${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: `article:a${i + 1}`, label: label(i + 1) }));

describe('WhatsApp formatting', () => {
  it.each([
    ['**bold** and *italic*', '*bold* and _italic_'],
    ['__bold__ and _italic_', '*bold* and _italic_'],
    ['## Heading\ntext', '*Heading*\ntext'],
    ['~~gone~~', '~gone~'],
    ['see [WHO](https://www.who.int/)', 'see WHO (https://www.who.int/)'],
    ['<b>no</b> html<br>here', 'no html\nhere'],
    ['- one\n- two', '• one\n• two'],
    ['2 * 3 * 4', '2 * 3 * 4'],
    ['a\n\n\n\nb', 'a\n\nb'],
  ])('%j → %j', (markdown, text) => {
    expect(toWhatsappText(markdown)).toBe(text);
  });

  it('clips labels to a limit with an ellipsis, counting emoji as one character', () => {
    expect(clip('Demam berdarah dengue (DBD)', 20)).toBe('Demam berdarah deng…');
    expect([...clip('🦟'.repeat(30), 20)]).toHaveLength(20);
    expect(clip('More', 20)).toBe('More');
  });
});

describe('rendering a reply for the Cloud API', () => {
  it('joins an article and its More button into one interactive message with a reply button', () => {
    const calls = renderMessage(
      message([
        {
          kind: 'article',
          articleId: 'dengue',
          title: 'Dengue',
          summary: 'Dengue is **spread** by mosquitoes.',
          sources: [{ title: 'WHO', url: 'https://www.who.int/' }],
        },
        { kind: 'choices', prompt: '', choices: [{ id: 'more:dengue', label: 'More' }] },
      ]),
      { to: TO },
    );
    expect(calls).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: TO,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: '*Dengue*\n\nDengue is *spread* by mosquitoes.\n\n• WHO: https://www.who.int/' },
          action: { buttons: [{ type: 'reply', reply: { id: 'more:dengue', title: 'More' } }] },
        },
      },
    ]);
  });

  it('splits text longer than 4,096 characters on paragraph boundaries', () => {
    const paragraph = `${'Minum air yang cukup setiap hari. '.repeat(40).trim()}`;
    const text = Array.from({ length: 5 }, () => paragraph).join('\n\n');
    const calls = renderMessage(message([{ kind: 'text', markdown: text }]), { to: TO });
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      expect(call.type).toBe('text');
      if (call.type === 'text') {
        expect(call.text.body.length).toBeLessThanOrEqual(LIMITS.textLength);
        expect(call.text.body.startsWith('Minum')).toBe(true);
        expect(call.text.body.endsWith('hari.')).toBe(true);
      }
    }
    expect(calls.map((c) => (c.type === 'text' ? c.text.body : '')).join('\n\n')).toBe(text);
  });

  it('sends up to 3 choices as reply buttons with titles cut to 20 characters', () => {
    const [call] = renderMessage(
      message([
        {
          kind: 'choices',
          prompt: 'Which of these did you mean?',
          choices: [
            { id: 'article:dengue', label: 'Demam berdarah dengue (DBD): gejala' },
            { id: 'article:dengue-prevention', label: 'Demam berdarah dengue (DBD): pencegahan' },
          ],
        },
      ]),
      { to: TO },
    );
    expect(call?.type === 'interactive' && call.interactive).toEqual({
      type: 'button',
      body: { text: 'Which of these did you mean?' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'article:dengue', title: 'Demam berdarah deng…' } },
          { type: 'reply', reply: { id: 'article:dengue-prevention', title: 'Demam berdarah d… 2' } },
        ],
      },
    });
  });

  it('sends 4 to 10 choices as a list message, full labels under cut titles, button in the patient’s language', () => {
    const [call] = renderMessage(
      message([
        {
          kind: 'choices',
          prompt: 'Pilih topik',
          choices: choices(7, (i) => `Topik kesehatan nomor ${i} yang panjang`),
        },
      ]),
      { to: TO, language: 'id' },
    );
    expect(call?.type).toBe('interactive');
    if (call?.type !== 'interactive' || call.interactive.type !== 'list') throw new Error('not a list');
    expect(call.interactive.action.button).toBe('Pilih');
    const rows = call.interactive.action.sections[0]?.rows ?? [];
    expect(rows).toHaveLength(7);
    for (const row of rows) expect(row.title.length).toBeLessThanOrEqual(LIMITS.rowTitle);
    expect(rows[0]).toEqual({
      id: 'article:a1',
      title: 'Topik kesehatan nomor 1…',
      description: 'Topik kesehatan nomor 1 yang panjang',
    });
  });

  it('spreads more than 10 choices over several lists of at most 10 rows', () => {
    const calls = renderMessage(message([{ kind: 'choices', prompt: 'Choose', choices: choices(13) }]), { to: TO });
    const rows = calls.map((c) =>
      c.type === 'interactive' && c.interactive.type === 'list' ? c.interactive.action.sections[0]?.rows.length : 0,
    );
    expect(rows).toEqual([10, 3]);
  });

  it('names the educator on their messages', () => {
    const [call] = renderMessage(
      message([{ kind: 'text', markdown: 'Halo Bu.' }], { kind: 'educator', educatorId: 'e1', name: 'Ns. Rina' }),
      { to: TO },
    );
    expect(call?.type === 'text' && call.text.body).toBe('*Ns. Rina:*\nHalo Bu.');
  });

  it('keeps a long text separate when it does not fit an interactive body (1,024 characters)', () => {
    const long = `# Title\n\n${'word '.repeat(300)}`;
    const calls = renderMessage(
      message([
        { kind: 'text', markdown: long },
        { kind: 'choices', prompt: '', choices: [{ id: 'more:x', label: 'More' }] },
      ]),
      { to: TO },
    );
    expect(calls.map((c) => c.type)).toEqual(['text', 'interactive']);
    expect(calls[1]?.type === 'interactive' && calls[1].interactive.body.text).toBe('*Title*');
  });

  it('renders templates, read receipts and typing indicators', () => {
    expect(renderTemplate(TO, 'sehat_reply_waiting', 'id')).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: TO,
      type: 'template',
      template: { name: 'sehat_reply_waiting', language: { code: 'id' } },
    });
    expect(renderReadReceipt('wamid.X')).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.X',
    });
    expect(renderReadReceipt('wamid.X', true)).toMatchObject({ typing_indicator: { type: 'text' } });
  });
});
