import type { KeyValueState } from '../../src/queue/key-value-state.ts';

/**
 * Paces sends under Teams' documented limits: per bot per conversation 7 messages a second, and a global
 * ceiling per bot. Counters live in the shared KeyValueState, so the limits hold across processes. Over a
 * limit, a send waits for the next one-second window (a few times at most; past that it goes out and a
 * 429 from the connector is retried by the outbox, honouring Retry-After).
 * @see https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit#per-bot-per-thread-limit
 */
export interface PacerOptions {
  kv: KeyValueState;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  perConversationPerSecond?: number;
  globalPerSecond?: number;
  maxWaits?: number;
}

export interface Pacer {
  wait(conversationId: string): Promise<void>;
}

export function createPacer(options: PacerOptions): Pacer {
  const perConversation = options.perConversationPerSecond ?? 7;
  const global = options.globalPerSecond ?? 50;
  const maxWaits = options.maxWaits ?? 5;
  return {
    async wait(conversationId) {
      for (let waits = 0; ; waits++) {
        const now = options.now();
        const second = Math.floor(now / 1000);
        const inConversation = await options.kv.increment(`bf:pace:${conversationId}:${second}`, 1, 2000);
        const overall = await options.kv.increment(`bf:pace:*:${second}`, 1, 2000);
        if ((inConversation <= perConversation && overall <= global) || waits >= maxWaits) return;
        await options.sleep(1000 - (now % 1000));
      }
    },
  };
}
