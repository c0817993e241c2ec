import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD,
  HERO_CARD,
  type RenderOptions,
  renderActivities,
} from '../../../adapters/botframework/render.ts';
import type { OutboundPart } from '../../../src/core/types.ts';

const BOT: RenderOptions['sender'] = { kind: 'bot' };
const WEBCHAT: RenderOptions = { cards: 'webchat', sender: BOT };
const TEAMS: RenderOptions = { cards: 'teams', sender: BOT };

const article: OutboundPart = {
  kind: 'article',
  articleId: 'dengue',
  title: 'Dengue fever',
  summary: 'Dengue is spread by mosquitoes.',
  sources: [
    { title: 'WHO [fact sheet]', url: 'https://www.who.int/news-room/fact-sheets/detail/dengue' },
    { title: 'Not a link', url: 'javascript:alert(1)' },
  ],
};
const more: OutboundPart = { kind: 'choices', prompt: '', choices: [{ id: 'more:dengue', label: 'More' }] };
const messageBack = (id: string, label: string) => ({
  type: 'messageBack',
  title: label,
  text: label,
  displayText: label,
  value: { sehatChoice: id },
});

describe('renderActivities', () => {
  it('renders text as one markdown message, each line break kept (clients join lines otherwise)', () => {
    expect(renderActivities([{ kind: 'text', markdown: '**Hello**\nWelcome.\n\n- one\n- two' }], WEBCHAT)).toEqual([
      { type: 'message', textFormat: 'markdown', text: '**Hello**\n\nWelcome.\n\n- one\n\n- two' },
    ]);
  });

  it('renders an article answer as an Adaptive Card with title, summary and source, and the More button as a suggested action (Web Chat)', () => {
    const [activity, ...rest] = renderActivities([article, more], WEBCHAT);
    expect(rest).toEqual([]);
    expect(activity?.suggestedActions).toEqual({ actions: [messageBack('more:dengue', 'More')] });
    expect(activity?.attachments).toHaveLength(1);
    const card = activity?.attachments?.[0];
    expect(card?.contentType).toBe(ADAPTIVE_CARD);
    expect(card?.content).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.3',
      body: [
        { type: 'TextBlock', text: 'Dengue fever', weight: 'Bolder' },
        { type: 'TextBlock', text: 'Dengue is spread by mosquitoes.', wrap: true },
        // Brackets in the title are escaped; only http(s) links are kept.
        { type: 'TextBlock', text: '[WHO \\[fact sheet\\]](https://www.who.int/news-room/fact-sheets/detail/dengue)' },
      ],
    });
    const content = card?.content as { body: unknown[]; fallbackText: string };
    expect(content.body).toHaveLength(3);
    expect(content.fallbackText).toContain('https://www.who.int/');
  });

  it('renders choices in Teams as a hero card with messageBack buttons', () => {
    const [activity] = renderActivities([article, more], TEAMS);
    expect(activity?.suggestedActions).toBeUndefined();
    expect(activity?.attachmentLayout).toBe('list');
    expect(activity?.attachments?.map((a) => a.contentType)).toEqual([ADAPTIVE_CARD, HERO_CARD]);
    expect(activity?.attachments?.[1]?.content).toEqual({ buttons: [messageBack('more:dengue', 'More')] });
  });

  it('puts a choices prompt in the text (Web Chat) or on the hero card (Teams)', () => {
    const clarify: OutboundPart = {
      kind: 'choices',
      prompt: 'Which one did you mean?',
      choices: [
        { id: 'article:dengue', label: 'Dengue' },
        { id: 'article:dengue-prevention', label: 'Preventing dengue' },
      ],
    };
    expect(renderActivities([clarify], WEBCHAT)).toEqual([
      {
        type: 'message',
        textFormat: 'markdown',
        text: 'Which one did you mean?',
        suggestedActions: {
          actions: [
            messageBack('article:dengue', 'Dengue'),
            messageBack('article:dengue-prevention', 'Preventing dengue'),
          ],
        },
      },
    ]);
    expect(renderActivities([clarify], TEAMS)[0]?.attachments?.[0]?.content).toMatchObject({
      text: 'Which one did you mean?',
    });
  });

  it('keeps reading order: text after a card starts a new message', () => {
    const notice: OutboundPart = { kind: 'text', markdown: 'Not available in Malay; here it is in English:' };
    const after: OutboundPart = { kind: 'text', markdown: 'Anything else?' };
    const activities = renderActivities([notice, article, after], WEBCHAT);
    expect(activities.map((a) => [a.text, a.attachments?.length ?? 0])).toEqual([
      ['Not available in Malay; here it is in English:', 1],
      ['Anything else?', 0],
    ]);
  });

  it("names the educator on an educator's reply", () => {
    const [activity] = renderActivities([{ kind: 'text', markdown: 'Halo, ada yang bisa saya bantu?' }], {
      cards: 'webchat',
      sender: { kind: 'educator', educatorId: 'e1', name: 'Ns. Rina' },
    });
    expect(activity?.text).toBe('**Ns. Rina:** Halo, ada yang bisa saya bantu?');
  });
});
