import type { InboundContent, OutboundPart } from './types.ts';

/** Plain-text view of a reply, for transcripts and the CRM's text column. */
export function partsToPlainText(parts: OutboundPart[]): string {
  return parts.map(partToPlainText).join('\n\n');
}

function partToPlainText(part: OutboundPart): string {
  if (part.kind === 'text') return part.markdown;
  if (part.kind === 'choices') return `${part.prompt}\n${part.choices.map((c) => `[${c.label}]`).join(' ')}`.trim();
  return `${part.title}\n${part.summary}\n${part.sources.map((s) => `${s.title} ${s.url}`).join('\n')}`;
}

export function inboundToPlainText(content: InboundContent): string {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'choice':
      return content.label ?? `[${content.choiceId}]`;
    case 'command':
      return `/${content.name}${content.arg ? ` ${content.arg}` : ''}`;
    case 'media':
      // The reference lets an educator find the file on the platform; the bot never opens it.
      return `[${content.media} ${content.ref}]${content.caption ? ` ${content.caption}` : ''}`;
    case 'unsupported':
      return `[unsupported: ${content.platformType}]`;
  }
}
