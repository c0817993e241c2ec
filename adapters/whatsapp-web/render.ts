import { splitText } from '../../src/core/reply.ts';
import type { OutboundMessage } from '../../src/core/types.ts';
import { toWhatsappText } from '../whatsapp-cloud/format.ts';
import type { NumberedChoice } from './parse.ts';

/**
 * PURE: an outbound message → the texts to send through WhatsApp Web. WhatsApp no longer shows buttons or
 * lists sent by unofficial clients, so choices are a numbered list; the patient answers with the number
 * (see resolveNumberedReply), and the numbers of the latest list are remembered per chat.
 */
export const MAX_TEXT_LENGTH = 4096;

export interface WebRender {
  texts: string[];
  /** The numbered choices of this message (empty: the next reply is plain text). */
  choices: NumberedChoice[];
}

export function renderWebMessage(message: OutboundMessage): WebRender {
  const blocks: string[] = [];
  const choices: NumberedChoice[] = [];
  message.parts.forEach((part, index) => {
    if (part.kind === 'choices') {
      const lines = part.choices.map((c) => {
        const n = choices.length + 1;
        choices.push({ n, id: c.id, label: c.label });
        return `*${n}.* ${c.label}`;
      });
      const block = [toWhatsappText(part.prompt), ...lines].filter(Boolean).join('\n');
      // A prompt-less choice (the More button) reads as part of the text before it.
      if (!part.prompt.trim() && blocks.length > 0) blocks[blocks.length - 1] += `\n\n${block}`;
      else blocks.push(block);
      return;
    }
    let text =
      part.kind === 'text'
        ? toWhatsappText(part.markdown)
        : [
            `*${toWhatsappText(part.title)}*`,
            toWhatsappText(part.summary),
            part.sources.map((s) => `• ${s.title}: ${s.url}`).join('\n'),
          ]
            .filter(Boolean)
            .join('\n\n');
    if (index === 0 && message.sender.kind === 'educator') text = `*${message.sender.name}:*\n${text}`;
    blocks.push(text);
  });
  return { texts: blocks.flatMap((b) => splitText(b, MAX_TEXT_LENGTH)).filter((t) => t.trim()), choices };
}
