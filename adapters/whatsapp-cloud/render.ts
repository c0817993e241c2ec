import { splitText } from '../../src/core/reply.ts';
import type { Choice, OutboundMessage, OutboundPart } from '../../src/core/types.ts';
import { clip, toWhatsappText } from './format.ts';

/**
 * PURE: an outbound message → the bodies of Graph API `POST /<phone number id>/messages` calls.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages
 */

/** Limits of the Cloud API (the request is rejected past them). */
export const LIMITS = {
  textLength: 4096,
  interactiveBodyLength: 1024,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listRows: 10,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  listButtonLabel: 20,
} as const;

interface Envelope {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
}
export type GraphMessage = Envelope &
  (
    | { type: 'text'; text: { body: string; preview_url: boolean } }
    | { type: 'interactive'; interactive: InteractiveButtons | InteractiveList }
    | { type: 'template'; template: { name: string; language: { code: string } } }
  );
interface InteractiveButtons {
  type: 'button';
  body: { text: string };
  action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] };
}
interface InteractiveList {
  type: 'list';
  body: { text: string };
  action: { button: string; sections: { rows: { id: string; title: string; description?: string }[] }[] };
}

/** The list message's open button, in the conversation's language (Sehat's languages; English otherwise). */
const LIST_BUTTON_LABEL: Record<string, string> = { en: 'Choose', id: 'Pilih', ms: 'Pilih' };

export interface RenderOptions {
  /** The patient's wa_id. */
  to: string;
  language?: string;
}

export function renderMessage(message: OutboundMessage, options: RenderOptions): GraphMessage[] {
  const envelope: Envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: options.to };
  const out: GraphMessage[] = [];
  const pushText = (text: string) => {
    for (const body of splitText(text, LIMITS.textLength))
      if (body.trim()) out.push({ ...envelope, type: 'text', text: { body, preview_url: false } });
  };
  message.parts.forEach((part, index) => {
    let text = part.kind === 'choices' ? undefined : partText(part);
    // Educators speak in their own name, so the patient knows a person is answering.
    if (text && index === 0 && message.sender.kind === 'educator') text = `*${message.sender.name}:*\n${text}`;
    if (text !== undefined) {
      pushText(text);
      return;
    }
    if (part.kind !== 'choices' || part.choices.length === 0) return;
    let body = toWhatsappText(part.prompt);
    if (!body) {
      // A prompt-less choice (the More button) belongs to the text before it: send them as one message.
      const previous = out.at(-1);
      if (previous?.type === 'text' && previous.text.body.length <= LIMITS.interactiveBodyLength) {
        out.pop();
        body = previous.text.body;
      } else body = previous?.type === 'text' ? clip(firstLine(previous.text.body), 200) : '👇';
    }
    if (body.length > LIMITS.interactiveBodyLength) {
      pushText(body);
      body = '👇';
    }
    const choices = uniqueTitles(part.choices);
    if (choices.length <= LIMITS.buttons) {
      out.push({ ...envelope, type: 'interactive', interactive: buttonsOf(body, choices) });
      return;
    }
    const label = LIST_BUTTON_LABEL[options.language ?? ''] ?? 'Choose';
    for (let i = 0; i < choices.length; i += LIMITS.listRows) {
      out.push({
        ...envelope,
        type: 'interactive',
        interactive: listOf(i === 0 ? body : '…', label, choices.slice(i, i + LIMITS.listRows)),
      });
    }
  });
  return out;
}

function partText(part: Exclude<OutboundPart, { kind: 'choices' }>): string {
  if (part.kind === 'text') return toWhatsappText(part.markdown);
  const sources = part.sources.map((s) => `• ${s.title}: ${s.url}`).join('\n');
  return [`*${toWhatsappText(part.title)}*`, toWhatsappText(part.summary), sources].filter(Boolean).join('\n\n');
}

function buttonsOf(body: string, choices: Choice[]): InteractiveButtons {
  return {
    type: 'button',
    body: { text: body },
    action: {
      buttons: choices.map((c) => ({
        type: 'reply',
        reply: { id: c.id.slice(0, LIMITS.buttonId), title: clip(c.label, LIMITS.buttonTitle) },
      })),
    },
  };
}

function listOf(body: string, button: string, choices: Choice[]): InteractiveList {
  return {
    type: 'list',
    body: { text: body },
    action: {
      button: clip(button, LIMITS.listButtonLabel),
      sections: [
        {
          rows: choices.map((c) => {
            const title = clip(c.label, LIMITS.rowTitle);
            // A label cut short is shown whole underneath.
            return {
              id: c.id.slice(0, LIMITS.rowId),
              title,
              ...(title !== c.label.trim() && { description: clip(c.label, LIMITS.rowDescription) }),
            };
          }),
        },
      ],
    },
  };
}

/** WhatsApp rejects two buttons with the same title; cut labels can collide, so number the repeats. */
function uniqueTitles(choices: Choice[]): Choice[] {
  const seen = new Map<string, number>();
  return choices.map((choice) => {
    const title = clip(choice.label, LIMITS.buttonTitle);
    const n = (seen.get(title) ?? 0) + 1;
    seen.set(title, n);
    return n === 1 ? choice : { ...choice, label: `${clip(choice.label, LIMITS.buttonTitle - 3)} ${n}` };
  });
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim()) ?? '👇';
}

/**
 * A pre-approved template (the only message allowed outside the 24-hour customer-service window).
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/template-messages
 */
export function renderTemplate(to: string, name: string, languageCode: string): GraphMessage {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: { name, language: { code: languageCode } },
  };
}

/**
 * Marks an inbound message read (blue ticks); with `typing`, also shows "typing…" for up to 25 s.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/typing-indicators
 */
export function renderReadReceipt(messageId: string, typing = false) {
  return {
    messaging_product: 'whatsapp' as const,
    status: 'read' as const,
    message_id: messageId,
    ...(typing && { typing_indicator: { type: 'text' as const } }),
  };
}
