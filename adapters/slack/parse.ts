/**
 * Pure translations of what Slack sends us. Nothing here throws on unknown input: it answers with a reason.
 */

export type SlackEndpoint = 'events' | 'interactivity' | 'commands';

export type ParsedBody =
  | { kind: 'ok'; body: Record<string, unknown> }
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'ssl_check' }
  | { kind: 'malformed'; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The three request kinds Slack sends:
 * - Events API: JSON `{ type: 'event_callback', event: {...}, event_id, ... }` or `{ type: 'url_verification', challenge }`
 *   @see https://docs.slack.dev/apis/events-api/#callback-field
 * - Interactivity: form-encoded `payload=<JSON with type block_actions | view_submission | ...>`
 *   @see https://docs.slack.dev/interactivity/handling-user-interaction#payloads
 * - Slash commands: form-encoded fields (`command`, `text`, `user_id`, `response_url`, `trigger_id`…), or `ssl_check=1`
 *   @see https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling
 */
export function parseSlackBody(endpoint: SlackEndpoint, rawBody: string): ParsedBody {
  if (endpoint === 'events') {
    const body = parseJson(rawBody);
    if (!isObject(body) || typeof body.type !== 'string') return { kind: 'malformed', reason: 'not a JSON event' };
    if (body.type === 'url_verification')
      return typeof body.challenge === 'string'
        ? { kind: 'url_verification', challenge: body.challenge }
        : { kind: 'malformed', reason: 'url_verification without challenge' };
    if (body.type === 'event_callback' && (!isObject(body.event) || typeof body.event.type !== 'string'))
      return { kind: 'malformed', reason: 'event_callback without event' };
    return { kind: 'ok', body };
  }
  const form = new URLSearchParams(rawBody);
  if (endpoint === 'interactivity') {
    const payload = parseJson(form.get('payload') ?? '');
    if (!isObject(payload) || typeof payload.type !== 'string')
      return { kind: 'malformed', reason: 'no JSON payload field' };
    return { kind: 'ok', body: payload };
  }
  if (form.get('ssl_check')) return { kind: 'ssl_check' };
  const command = form.get('command');
  if (!command?.startsWith('/') || !form.get('user_id')) return { kind: 'malformed', reason: 'not a slash command' };
  return { kind: 'ok', body: Object.fromEntries(form) };
}

export type ThreadMessage =
  | { kind: 'thread_reply'; threadTs: string; ts: string; userId: string; text: string; hasFiles: boolean }
  | { kind: 'ignored'; reason: string };

/** Subtypes that are still a person writing in the thread; everything else (edits, joins, bots) is ignored. */
const HUMAN_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

/**
 * A `message` event from the educators channel → a reply in a hand-off thread, or why it is ignored.
 * @see https://docs.slack.dev/reference/events/message
 */
export function classifyMessageEvent(event: Record<string, unknown>, channelId: string): ThreadMessage {
  const subtype = typeof event.subtype === 'string' ? event.subtype : undefined;
  if (event.bot_id || subtype === 'bot_message') return { kind: 'ignored', reason: 'bot message' };
  if (!HUMAN_SUBTYPES.has(subtype)) return { kind: 'ignored', reason: `subtype ${subtype}` };
  if (event.channel !== channelId) return { kind: 'ignored', reason: 'other channel' };
  const { thread_ts: threadTs, ts, user } = event;
  if (typeof threadTs !== 'string' || typeof ts !== 'string' || threadTs === ts)
    return { kind: 'ignored', reason: 'not a thread reply' };
  if (typeof user !== 'string') return { kind: 'ignored', reason: 'no user' };
  const text = typeof event.text === 'string' ? event.text : '';
  const hasFiles = Array.isArray(event.files) && event.files.length > 0;
  if (!text.trim() && !hasFiles) return { kind: 'ignored', reason: 'empty' };
  return { kind: 'thread_reply', threadTs, ts, userId: user, text, hasFiles };
}

/** Reverses Slack's three HTML entities. @see https://docs.slack.dev/messaging/formatting-message-text#escaping */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * An educator's Slack mrkdwn → the Markdown the core sends to patients: links, mentions and dates become
 * readable text, *bold* becomes **bold**, ~strike~ becomes ~~strike~~.
 */
export function slackToMarkdown(text: string, userName: (id: string) => string | undefined = () => undefined): string {
  const withoutTokens = text.replace(/<([^<>]+)>/g, (_all, inner: string) => {
    const [target = '', label] = inner.split('|', 2);
    if (target.startsWith('@')) return `@${label ?? userName(target.slice(1)) ?? 'colleague'}`;
    if (target.startsWith('#')) return `#${label ?? 'channel'}`;
    if (target.startsWith('!subteam^')) return label ?? '@team';
    if (target.startsWith('!date^')) return label ?? '';
    if (target.startsWith('!')) return `@${target.slice(1)}`;
    if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
    return label && label !== target ? `[${label}](${target})` : target;
  });
  const formatted = withoutTokens
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,!?;:)])/g, '$1**$2**')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s.,!?;:)])/g, '$1~~$2~~');
  return unescapeSlack(formatted).trim();
}

/** Internal note: the owner started with the prefix (e.g. "//"); the prefix is not stored. */
export function splitNotePrefix(text: string, prefix: string): { isNote: boolean; text: string } {
  const trimmed = text.trimStart();
  return trimmed.startsWith(prefix)
    ? { isNote: true, text: trimmed.slice(prefix.length).trim() }
    : { isNote: false, text: text.trim() };
}

export type SehatCommand =
  | { kind: 'help' }
  | { kind: 'queue' }
  | { kind: 'kb'; query: string }
  | { kind: 'patient'; id: string }
  | { kind: 'close'; ref?: string; outcome: string; tags: string[] }
  | { kind: 'unknown'; word: string };

/** A short, speakable reference for a hand-off id: `ho_…5f3a9c` → `H-5F3A9C`. */
export function handoffRef(handoffId: string): string {
  return `H-${handoffId.slice(-6).toUpperCase()}`;
}

const REF_PATTERN = /^H-[0-9A-F]{6}$/i;

/** `#word` tokens are tags; everything else is the outcome note. */
export function splitTags(text: string): { text: string; tags: string[] } {
  const tags = [...text.matchAll(/(?:^|\s)#([\p{L}\p{N}_-]{1,50})/gu)].map((m) => (m[1] ?? '').toLowerCase());
  const rest = text
    .replace(/(?:^|\s)#[\p{L}\p{N}_-]{1,50}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { text: rest, tags: [...new Set(tags)] };
}

/** Comma- or space-separated tags from a modal field. */
export function parseTagList(text: string | null | undefined): string[] {
  return [
    ...new Set(
      (text ?? '')
        .split(/[\s,]+/)
        .map((t) => t.replace(/^#/, '').trim().toLowerCase())
        .filter((t) => t.length > 0 && t.length <= 50),
    ),
  ].slice(0, 20);
}

/** `/sehat <sub-command> …` @see https://docs.slack.dev/interactivity/implementing-slash-commands */
export function parseSehatCommand(text: string): SehatCommand {
  const trimmed = unescapeSlack(text).trim();
  const [word = '', ...restWords] = trimmed.split(/\s+/);
  const rest = restWords.join(' ').trim();
  switch (word.toLowerCase()) {
    case '':
    case 'help':
      return { kind: 'help' };
    case 'queue':
      return { kind: 'queue' };
    case 'kb':
      return rest ? { kind: 'kb', query: rest } : { kind: 'help' };
    case 'patient':
      return rest ? { kind: 'patient', id: rest.split(/\s+/)[0] ?? rest } : { kind: 'help' };
    case 'close': {
      const [first = '', ...others] = rest.split(/\s+/);
      const hasRef = REF_PATTERN.test(first);
      const { text: outcome, tags } = splitTags(hasRef ? others.join(' ') : rest);
      return { kind: 'close', ...(hasRef && { ref: first.toUpperCase() }), outcome, tags };
    }
    default:
      return { kind: 'unknown', word };
  }
}
