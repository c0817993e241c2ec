import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlToPlain, markdownToHtml, visibleLength } from '../../../adapters/telegram/format.ts';
import {
  CALLBACK_ALIAS_PREFIX,
  callbackDataFor,
  MAX_MESSAGE_LENGTH,
  renderMessage,
} from '../../../adapters/telegram/render.ts';
import type { OutboundMessage, OutboundPart } from '../../../src/core/types.ts';

const bot = (...parts: OutboundPart[]): OutboundMessage => ({
  key: 'telegram:1111111',
  sender: { kind: 'bot' },
  parts,
  correlationId: 'c1',
});

describe('Markdown → Telegram HTML', () => {
  const cases: [string, string][] = [
    ['plain text', 'plain text'],
    ['**bold** and *italic* and _also italic_', '<b>bold</b> and <i>italic</i> and <i>also italic</i>'],
    ['2 < 3 & 5 > 4', '2 &lt; 3 &amp; 5 &gt; 4'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['**<b>not a tag</b>**', '<b>&lt;b&gt;not a tag&lt;/b&gt;</b>'],
    ['see [WHO](https://www.who.int/?a=1&b="2")', 'see <a href="https://www.who.int/?a=1&amp;b=&quot;2&quot;">WHO</a>'],
    ['a [bad link](javascript:alert(1)) stays text', 'a bad link stays text'],
    [
      '[Dengue](https://en.wikipedia.org/wiki/Dengue_(disease))',
      '<a href="https://en.wikipedia.org/wiki/Dengue_(disease)">Dengue</a>',
    ],
    ['`code <x>` here', '<code>code &lt;x&gt;</code> here'],
    ['## Symptoms', '<b>Symptoms</b>'],
    ['- fever\n- rash', '• fever\n• rash'],
    ['snake_case_word and 2*3*4', 'snake_case_word and 2*3*4'],
    ['**bold with [link](https://a.example/)**', '<b>bold with <a href="https://a.example/">link</a></b>'],
  ];
  it.each(cases)('%j → %j', (markdown, html) => {
    expect(markdownToHtml(markdown)).toBe(html);
  });

  it('counts what Telegram counts: text after entity parsing', () => {
    expect(visibleLength('<b>a &amp; b</b>')).toBe(5);
    expect(htmlToPlain('<a href="x">1 &lt; 2</a>')).toBe('1 < 2');
    expect(escapeHtml('&<>')).toBe('&amp;&lt;&gt;');
  });
});

describe('renderMessage', () => {
  it('puts an article, its source and the More button in one HTML message', () => {
    const { calls } = renderMessage(
      bot(
        {
          kind: 'article',
          articleId: 'dengue',
          title: 'Dengue',
          summary: 'Dengue is spread by *Aedes* mosquitoes.',
          sources: [
            {
              title: 'WHO — Dengue & severe dengue',
              url: 'https://www.who.int/news-room/fact-sheets/detail/dengue-and-severe-dengue',
            },
          ],
        },
        { kind: 'choices', prompt: '', choices: [{ id: 'more:dengue', label: 'More' }] },
      ),
    );
    expect(calls).toEqual([
      {
        chat_id: '1111111',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        text: '<b>Dengue</b>\n\nDengue is spread by <i>Aedes</i> mosquitoes.\n\n📚 <a href="https://www.who.int/news-room/fact-sheets/detail/dengue-and-severe-dengue">WHO — Dengue &amp; severe dengue</a>',
        reply_markup: { inline_keyboard: [[{ text: 'More', callback_data: 'more:dengue' }]] },
      },
    ]);
  });

  it('splits at 4,096 visible characters on paragraph boundaries, keyboard on the last message', () => {
    const paragraph = (n: number) => `${String(n).padStart(4, '0')} ${'word '.repeat(199).trim()}`; // 1,000 chars
    const markdown = Array.from({ length: 9 }, (_, i) => paragraph(i)).join('\n\n');
    const { calls } = renderMessage(
      bot({ kind: 'text', markdown }, { kind: 'choices', prompt: 'Which?', choices: [{ id: 'a', label: 'A' }] }),
    );
    expect(calls.length).toBe(3);
    for (const call of calls) expect(visibleLength(call.text)).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    // Paragraphs are never cut: each message starts with a paragraph's number.
    expect(calls.map((c) => c.text.slice(0, 4))).toEqual(['0000', '0004', '0008']);
    expect(calls.map((c) => c.reply_markup !== undefined)).toEqual([false, false, true]);
    expect(calls.at(-1)?.text.endsWith('Which?')).toBe(true);
    expect(calls.map((c) => htmlToPlain(c.text)).join('\n\n')).toBe(`${markdown}\n\nWhich?`);
  });

  it('cuts a single paragraph longer than a message at a sentence or word', () => {
    const long = 'This sentence is about dengue prevention. '.repeat(200).trim(); // ~8,400 chars
    const { calls } = renderMessage(bot({ kind: 'text', markdown: long }));
    expect(calls.length).toBe(3);
    for (const call of calls) {
      expect(visibleLength(call.text)).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
      expect(call.text).toMatch(/^This/);
    }
  });

  it('escapes every reserved character, so no text can break the message', () => {
    const { calls } = renderMessage(bot({ kind: 'text', markdown: 'glucose < 100 mg/dL & "normal" > 70' }));
    expect(calls[0]?.text).toBe('glucose &lt; 100 mg/dL &amp; "normal" &gt; 70');
  });

  it("starts an educator's message with the educator's name", () => {
    const { calls } = renderMessage({
      ...bot({ kind: 'text', markdown: 'Halo, ada yang bisa saya bantu?' }),
      sender: { kind: 'educator', educatorId: 'e1', name: 'Ns. Rina <RN>' },
    });
    expect(calls[0]?.text).toBe('<b>Ns. Rina &lt;RN&gt;:</b> Halo, ada yang bisa saya bantu?');
  });

  it('keeps callback data within 64 bytes, with a stable alias for longer choice ids', () => {
    const long = `article:${'very-long-article-id-'.repeat(4)}`;
    const multibyte = `more:${'demam-berdarah-ü'.repeat(4)}`;
    const { calls, callbackAliases } = renderMessage(
      bot({
        kind: 'choices',
        prompt: 'Which of these did you mean?',
        choices: [
          { id: 'article:dengue', label: 'Dengue' },
          { id: long, label: 'Long' },
          { id: multibyte, label: 'Multibyte' },
        ],
      }),
    );
    const data = calls[0]?.reply_markup?.inline_keyboard.flat().map((b) => b.callback_data) ?? [];
    expect(data[0]).toBe('article:dengue');
    for (const d of data) expect(Buffer.byteLength(d, 'utf8')).toBeLessThanOrEqual(64);
    expect(data[1]?.startsWith(CALLBACK_ALIAS_PREFIX)).toBe(true);
    expect(callbackAliases).toEqual({ [data[1] as string]: long, [data[2] as string]: multibyte });
    expect(callbackDataFor(long)).toBe(data[1]);
  });
});
