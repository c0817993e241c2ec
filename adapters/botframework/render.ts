import type { Activity, Attachment, CardAction, SuggestedActions } from 'botbuilder';
import type { Choice, OutboundPart, Sender } from '../../src/core/types.ts';
import { CHOICE_VALUE_KEY } from './activity.ts';

/**
 * PURE: an outbound message's parts → Bot Framework message activities (without routing fields: the
 * conversation reference adds from/recipient/conversation/replyToId when sending).
 *
 * - text: markdown (Web Chat renders full markdown, Teams a subset).
 * - article: an Adaptive Card with the title, the summary and the source links (both Web Chat and Teams
 *   render Adaptive Cards; fallbackText for clients that do not).
 * - choices: suggested actions in Web Chat / Direct Line / the Emulator; in Teams, whose suggested actions
 *   are limited, a hero card with buttons. Every button is a messageBack carrying { sehatChoice: id } as
 *   its value and showing the label as the patient's message.
 *
 * Parts are packed into as few activities as possible (one per message usually), so that a failed send
 * retried by the outbox repeats as little as possible.
 * @see https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-add-suggested-actions?view=azure-bot-service-4.0
 * @see https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference#hero-card
 * @see https://adaptivecards.io/explorer/TextBlock.html
 */
export type DraftActivity = Partial<Activity> & { type: 'message' };

export interface RenderOptions {
  /** Teams: choices as a hero card rather than suggested actions. */
  cards: 'teams' | 'webchat';
  sender: Sender;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
export const HERO_CARD = 'application/vnd.microsoft.card.hero';
const ADAPTIVE_CARD_VERSION = '1.3';

function choiceAction(choice: Choice): CardAction {
  return {
    type: 'messageBack',
    title: choice.label,
    text: choice.label,
    displayText: choice.label,
    value: { [CHOICE_VALUE_KEY]: choice.id },
  };
}

function safeUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Markdown link text must not close the bracket early. */
function linkText(text: string): string {
  return text.replace(/[[\]\\]/g, (c) => `\\${c}`);
}

export function articleCard(part: Extract<OutboundPart, { kind: 'article' }>): Attachment {
  const sources = part.sources.flatMap((s) => {
    const url = safeUrl(s.url);
    return url ? [{ title: s.title, url }] : [];
  });
  return {
    contentType: ADAPTIVE_CARD,
    content: {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: ADAPTIVE_CARD_VERSION,
      fallbackText: [part.title, part.summary, ...sources.map((s) => `${s.title}: ${s.url}`)].join('\n\n'),
      body: [
        { type: 'TextBlock', text: part.title, weight: 'Bolder', size: 'Medium', wrap: true },
        { type: 'TextBlock', text: part.summary, wrap: true },
        ...sources.map((s) => ({
          type: 'TextBlock',
          text: `[${linkText(s.title)}](${s.url})`,
          size: 'Small',
          isSubtle: true,
          wrap: true,
        })),
      ],
    },
  };
}

export function choicesHeroCard(part: Extract<OutboundPart, { kind: 'choices' }>): Attachment {
  return {
    contentType: HERO_CARD,
    content: { ...(part.prompt && { text: part.prompt }), buttons: part.choices.map(choiceAction) },
  };
}

/**
 * Bot Framework clients treat a lone newline as a soft break (Teams joins the lines): make each line break
 * a paragraph break so the reviewed text keeps its shape.
 */
export function keepLineBreaks(markdown: string): string {
  return markdown.replace(/([^\n])\n(?!\n)/g, '$1\n\n');
}

export function renderActivities(parts: OutboundPart[], options: RenderOptions): DraftActivity[] {
  const activities: DraftActivity[] = [];
  let current: DraftActivity | undefined;
  const fresh = (): DraftActivity => {
    current = { type: 'message', textFormat: 'markdown' };
    activities.push(current);
    return current;
  };
  const open = () => current ?? fresh();
  const closed = (a: DraftActivity | undefined) => Boolean(a?.suggestedActions);
  const hasCards = (a: DraftActivity | undefined) => Boolean(a?.attachments?.length);
  const addText = (a: DraftActivity, markdown: string) => {
    a.text = a.text ? `${a.text}\n\n${markdown}` : markdown;
  };
  let prefix = options.sender.kind === 'educator' ? `**${options.sender.name}:** ` : '';

  for (const part of parts) {
    if (part.kind === 'text') {
      // Text after a card starts a new activity, so the patient reads things in order.
      const target = closed(current) || hasCards(current) ? fresh() : open();
      addText(target, `${prefix}${keepLineBreaks(part.markdown)}`);
      prefix = '';
    } else if (part.kind === 'article') {
      const target = closed(current) ? fresh() : open();
      target.attachments = [...(target.attachments ?? []), articleCard(part)];
    } else if (options.cards === 'teams') {
      const target = closed(current) ? fresh() : open();
      target.attachments = [...(target.attachments ?? []), choicesHeroCard(part)];
    } else {
      let target = closed(current) ? fresh() : open();
      if (part.prompt) {
        if (hasCards(target)) target = fresh();
        addText(target, keepLineBreaks(part.prompt));
      }
      // No `to`: shown to whoever is in the conversation (the schema types it as required, the protocol not).
      target.suggestedActions = { actions: part.choices.map(choiceAction) } as SuggestedActions;
    }
  }
  for (const a of activities) if (a.attachments && a.attachments.length > 1) a.attachmentLayout = 'list';
  return activities;
}

export function typingActivity(): Partial<Activity> {
  return { type: 'typing' };
}
