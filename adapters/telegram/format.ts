/**
 * PURE: the core's basic Markdown → Telegram's HTML parse mode. Only the tags Telegram supports are
 * produced, and every `<`, `>` and `&` of the text itself is escaped, so patient-visible text can never
 * break the message ("Bad Request: can't parse entities").
 * @see https://core.telegram.org/bots/api#html-style
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inside an attribute value (href="…") quotes must be escaped as well. */
export function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

const SAFE_URL = /^(https?:\/\/|tg:\/\/|mailto:)[^\s<>]+$/i;

// One pass over the line, left to right: code spans, links, bold, italic. Order matters: code wins.
const INLINE =
  /`([^`\n]+)`|\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)|\*\*(?!\s)(.+?)(?<!\s)\*\*|__(?!\s)(.+?)(?<!\s)__|(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])|(?<![\w_])_(?![\s_])(.+?)(?<![\s_])_(?![\w_])/g;

function inline(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const index = m.index ?? 0;
    out += escapeHtml(text.slice(last, index));
    last = index + m[0].length;
    const [, code, linkText, url, bold1, bold2, italic1, italic2] = m;
    if (code !== undefined) out += `<code>${escapeHtml(code)}</code>`;
    else if (linkText !== undefined && url !== undefined)
      out += SAFE_URL.test(url) ? `<a href="${escapeAttribute(url)}">${inline(linkText)}</a>` : inline(linkText);
    else if (bold1 !== undefined || bold2 !== undefined) out += `<b>${inline(bold1 ?? bold2 ?? '')}</b>`;
    else out += `<i>${inline(italic1 ?? italic2 ?? '')}</i>`;
  }
  return out + escapeHtml(text.slice(last));
}

/** One Markdown block (no blank lines inside) → HTML. Headings become bold lines, bullets become "•". */
export function markdownToHtml(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      const heading = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
      if (heading) return `<b>${inline(heading[1] ?? '')}</b>`;
      const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
      if (bullet) return `${bullet[1]}• ${inline(bullet[2] ?? '')}`;
      return inline(line);
    })
    .join('\n');
}

/** What Telegram counts against the 4,096 limit: the text after entity parsing (no tags, entities decoded). */
export function visibleLength(html: string): number {
  return htmlToPlain(html).length;
}

/** The same message without formatting, for the rare case Telegram refuses the HTML. */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
