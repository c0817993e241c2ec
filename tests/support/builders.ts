import type { ChannelAdapter, InboundContent, InboundMessage, OutboundMessage } from '../../src/core/types.ts';

let counter = 0;

/** A patient's text message as an adapter would hand it to the core. */
export function inboundText(text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  counter += 1;
  const externalId = overrides.from?.externalId ?? 'patient-1';
  return {
    id: `m-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    channel: 'webchat',
    key: `webchat:${externalId}`,
    from: { externalId },
    receivedAt: new Date(),
    content: { kind: 'text', text },
    ...overrides,
  };
}

export function inboundContent(content: InboundContent, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return { ...inboundText('', overrides), content, ...overrides };
}

/** A channel that records what it was asked to send (a fake of the platform, not of our code). */
export function recordingChannel(id: ChannelAdapter['id'] = 'webchat'): ChannelAdapter & { sent: OutboundMessage[] } {
  const sent: OutboundMessage[] = [];
  return {
    id,
    sent,
    capabilities: { maxTextLength: 4096, choices: 'buttons', maxButtons: 3, markdown: 'basic' },
    async start() {},
    async stop() {},
    async send(message) {
      sent.push(message);
      return { platformMessageIds: [`p-${sent.length}`] };
    },
  };
}
