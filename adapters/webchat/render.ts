import type { OutboundMessage, OutboundPart } from '../../src/core/types.ts';
import type { StoredMessage } from '../../src/crm/crm-store.ts';
import type { HistoryItem, ServerFrame } from './protocol.ts';

/** Pure: an outbound message → the frame the browser renders. The page renders markdown safely itself. */
export function renderMessageFrame(message: OutboundMessage, id: string, at: Date): ServerFrame {
  const sender =
    message.sender.kind === 'educator'
      ? { kind: 'educator' as const, name: message.sender.name }
      : { kind: 'bot' as const };
  return { type: 'message', id, sender, parts: message.parts, at: at.toISOString() };
}

/** Pure: CRM rows → history items for a returning browser. */
export function renderHistory(
  messages: StoredMessage[],
  educatorNames: (id: string | null) => string | undefined = () => undefined,
): HistoryItem[] {
  return (
    messages
      // Educators' internal notes are never shown to the patient.
      .filter((m) => m.direction === 'in' || (m.direction === 'out' && m.status !== 'failed'))
      .map((m) =>
        m.direction === 'in'
          ? {
              id: m.id,
              ...(m.platformMessageId && { clientId: m.platformMessageId }),
              direction: 'in' as const,
              sender: { kind: 'patient' as const },
              text: m.text,
              at: m.createdAt,
            }
          : {
              id: m.id,
              direction: 'out' as const,
              sender: {
                kind: m.author.kind,
                ...(m.author.kind === 'educator' && { name: educatorNames(m.author.id) }),
              },
              parts: m.content as OutboundPart[],
              at: m.createdAt,
            },
      )
  );
}
