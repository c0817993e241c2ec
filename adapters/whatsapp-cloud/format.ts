/**
 * PURE: Sehat's basic markdown → WhatsApp's own formatting (`*bold*`, `_italic_`, `~strike~`, ```mono```).
 * WhatsApp renders no HTML and no markdown links, so tags are dropped and links become "text (url)".
 * Shared by the Cloud API and the whatsapp-web.js adapters (one logical channel, one look).
 * @see WhatsApp Help Center, "How to format your messages" (bold, italic, strikethrough, monospace)
 */
export function toWhatsappText(markdown: string): string {
  const bold: string[] = [];
  const keep = (text: string) => {
    bold.push(text);
    return `\u0000${bold.length - 1}\u0000`;
  };
  let text = markdown
    .replace(/\r\n?/g, '\n')
    // HTML never renders on WhatsApp: keep line breaks, drop tags.
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    // Headings become bold lines.
    .replace(/^#{1,6}\s+(.+?)\s*#*$/gm, (_, heading: string) => keep(heading))
    // **bold** and __bold__ first, so the single-star pass below sees only italics.
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, (_, inner: string) => keep(inner))
    .replace(/__(?=\S)([\s\S]*?\S)__/g, (_, inner: string) => keep(inner))
    // Markdown *italic* is WhatsApp _italic_.
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, (_, before: string, inner: string) => `${before}_${inner}_`)
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '~$1~')
    // Links: WhatsApp shows bare URLs as links.
    .replace(/!?\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, url: string) =>
      label === url ? url : `${label} (${url})`,
    )
    // Bullets.
    .replace(/^(\s*)[-+]\s+/gm, '$1• ');
  // Bold spans were parked behind NUL placeholders so the italic pass could not touch them.
  text = text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => `*${bold[Number(i)] ?? ''}*`);
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

/** Cuts a label to `max` characters with an ellipsis (button and row titles have hard limits). */
export function clip(text: string, max: number): string {
  const chars = [...text.trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
