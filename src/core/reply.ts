import type { ChannelCapabilities, OutboundPart } from './types.ts';

/**
 * Fits a reply to what a channel can show: long text is split on paragraph (then sentence, then word)
 * boundaries; too many buttons become a numbered list where the channel has no list widget.
 */
export function fitParts(parts: OutboundPart[], capabilities: ChannelCapabilities): OutboundPart[] {
  return parts.flatMap((part): OutboundPart[] => {
    if (part.kind === 'text') {
      return splitText(part.markdown, capabilities.maxTextLength).map((markdown) => ({ kind: 'text', markdown }));
    }
    if (part.kind === 'choices' && part.choices.length > capabilities.maxButtons && capabilities.choices !== 'list') {
      const lines = part.choices.map((c, i) => `${i + 1}. ${c.label}`);
      return [{ kind: 'text', markdown: `${part.prompt}\n${lines.join('\n')}` }];
    }
    return [part];
  });
}

export function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = [
      window.lastIndexOf('\n\n'),
      window.lastIndexOf('\n'),
      window.lastIndexOf('. '),
      window.lastIndexOf(' '),
    ].find((i) => i > max * 0.3);
    const at = cut !== undefined && cut > 0 ? cut + 1 : max;
    chunks.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) chunks.push(rest);
  return chunks;
}
