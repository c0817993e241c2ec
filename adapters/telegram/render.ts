import { createHash } from 'node:crypto';
import type { Choice, ConversationKey, OutboundMessage } from '../../src/core/types.ts';
import { escapeAttribute, escapeHtml, markdownToHtml, visibleLength } from './format.ts';

/** "Text of the message to be sent, 1-4096 characters after entities parsing". @see https://core.telegram.org/bots/api#sendmessage */
export const MAX_MESSAGE_LENGTH = 4096;
/** "Data to be sent in a callback query to the bot when the button is pressed, 1-64 bytes". @see https://core.telegram.org/bots/api#inlinekeyboardbutton */
export const MAX_CALLBACK_DATA_BYTES = 64;
/** Callback data standing for a choice id too long for Telegram; the core's ids never start with it. */
export const CALLBACK_ALIAS_PREFIX = '#';

export interface InlineButton {
  text: string;
  callback_data: string;
}

/** The body of one `sendMessage` call. */
export interface SendMessagePayload {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  /** Source links would otherwise pull a large preview card under every answer. */
  link_preview_options: { is_disabled: true };
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

export interface RenderedMessage {
  calls: SendMessagePayload[];
  /** alias → choice id, for choice ids longer than 64 bytes; the adapter remembers them. */
  callbackAliases: Record<string, string>;
}

/** `telegram:123` → `123` (negative for groups). */
export function chatIdOf(key: ConversationKey): string {
  return key.slice(key.indexOf(':') + 1);
}

/** Callback data for a choice: the id itself when it fits in 64 bytes, else a stable hash alias. */
export function callbackDataFor(choiceId: string): string {
  if (Buffer.byteLength(choiceId, 'utf8') <= MAX_CALLBACK_DATA_BYTES && !choiceId.startsWith(CALLBACK_ALIAS_PREFIX))
    return choiceId;
  return `${CALLBACK_ALIAS_PREFIX}${createHash('sha256').update(choiceId).digest('base64url').slice(0, 32)}`;
}

interface Segment {
  paragraphs: string[];
  keyboard?: InlineButton[][];
}

/**
 * PURE: an outbound message → sendMessage calls. Text, articles and choice prompts flow into as few messages
 * as fit (split at 4,096 characters on paragraph boundaries); a `choices` part becomes an inline keyboard
 * on the message that shows it. Educators' messages start with the educator's name.
 */
export function renderMessage(message: OutboundMessage, maxLength = MAX_MESSAGE_LENGTH): RenderedMessage {
  const callbackAliases: Record<string, string> = {};
  const segments: Segment[] = [{ paragraphs: [] }];
  const current = () => segments.at(-1) as Segment;
  // Room for the educator's name in front of the first paragraph.
  const blockMax = maxLength - (message.sender.kind === 'educator' ? message.sender.name.length + 2 : 0);
  const addMarkdown = (markdown: string) => {
    for (const block of markdown.split(/\n{2,}/)) {
      if (!block.trim()) continue;
      for (const piece of splitBlock(block.trim(), blockMax)) current().paragraphs.push(markdownToHtml(piece));
    }
  };
  for (const part of message.parts) {
    if (part.kind === 'text') addMarkdown(part.markdown);
    else if (part.kind === 'article') {
      current().paragraphs.push(`<b>${escapeHtml(part.title)}</b>`);
      addMarkdown(part.summary);
      const sources = part.sources.map((s) =>
        /^https?:\/\//i.test(s.url)
          ? `<a href="${escapeAttribute(s.url)}">${escapeHtml(s.title)}</a>`
          : escapeHtml(s.title),
      );
      if (sources.length > 0) current().paragraphs.push(`📚 ${sources.join(' · ')}`);
    } else {
      if (part.prompt.trim()) addMarkdown(part.prompt);
      current().keyboard = keyboard(part.choices, callbackAliases);
      segments.push({ paragraphs: [] });
    }
  }
  if (message.sender.kind === 'educator') {
    const first = segments.find((s) => s.paragraphs.length > 0 || s.keyboard) ?? (segments[0] as Segment);
    const name = `<b>${escapeHtml(message.sender.name)}:</b>`;
    first.paragraphs[0] = first.paragraphs[0] === undefined ? name : `${name} ${first.paragraphs[0]}`;
  }
  const chat_id = chatIdOf(message.key);
  const calls: SendMessagePayload[] = [];
  for (const segment of segments) {
    if (segment.paragraphs.length === 0 && !segment.keyboard) continue;
    const chunks = pack(segment.paragraphs, maxLength);
    // A keyboard needs a message to hang on; Telegram refuses empty text.
    if (chunks.length === 0) chunks.push('👇');
    chunks.forEach((text, i) => {
      const last = i === chunks.length - 1;
      calls.push({
        chat_id,
        text,
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(last && segment.keyboard && { reply_markup: { inline_keyboard: segment.keyboard } }),
      });
    });
  }
  return { calls, callbackAliases };
}

function keyboard(choices: Choice[], aliases: Record<string, string>): InlineButton[][] {
  // One button per row: labels are sentences in several languages, and wide rows truncate them.
  return choices.map((choice) => {
    const data = callbackDataFor(choice.id);
    if (data !== choice.id) aliases[data] = choice.id;
    return [{ text: choice.label, callback_data: data }];
  });
}

/** Paragraphs → message texts of at most `max` visible characters, joined with blank lines. */
function pack(paragraphs: string[], max: number): string[] {
  const chunks: string[] = [];
  let currentChunk = '';
  for (const paragraph of paragraphs) {
    const joined = currentChunk ? `${currentChunk}\n\n${paragraph}` : paragraph;
    if (visibleLength(joined) <= max) currentChunk = joined;
    else {
      if (currentChunk) chunks.push(currentChunk);
      currentChunk = paragraph;
    }
  }
  if (currentChunk) chunks.push(currentChunk);
  return chunks;
}

/**
 * A single paragraph longer than a message: cut at a line break, then a sentence end, then a space. The
 * Markdown is never shorter than what it renders to, so Markdown pieces of `max` always fit.
 */
function splitBlock(block: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = block;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = [window.lastIndexOf('\n'), window.lastIndexOf('. '), window.lastIndexOf(' ')].find(
      (i) => i > max * 0.3,
    );
    const at = cut !== undefined && cut > 0 ? cut + 1 : max;
    pieces.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}
