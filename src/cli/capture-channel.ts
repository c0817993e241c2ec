import type { ChannelAdapter, OutboundMessage } from '../core/types.ts';

/**
 * A channel that keeps what the bot sends in memory: `sehat ask` talks to the engine through it, exactly
 * as a patient on the web chat would.
 */
export interface CaptureChannel extends ChannelAdapter {
  take(correlationId: string): OutboundMessage[];
}

export function createCaptureChannel(): CaptureChannel {
  const sent = new Map<string, OutboundMessage[]>();
  let counter = 0;
  return {
    id: 'webchat',
    capabilities: { maxTextLength: 100_000, choices: 'buttons', maxButtons: 10, markdown: 'full' },
    async start() {},
    async stop() {},
    async send(message) {
      sent.set(message.correlationId, [...(sent.get(message.correlationId) ?? []), message]);
      counter += 1;
      return { platformMessageIds: [`cli-${counter}`] };
    },
    take(correlationId) {
      const messages = sent.get(correlationId) ?? [];
      sent.delete(correlationId);
      return messages;
    },
  };
}
