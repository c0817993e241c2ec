import { EventEmitter } from 'node:events';

/**
 * Fan-out of small messages to every process (e.g. a reply for a web chat socket held by another process).
 * In-process by default; Redis pub/sub when several processes serve one clinic. Delivery is best effort:
 * what must not be lost is in the CRM first (a reconnecting browser gets its history from there).
 */
export interface MessageBus {
  publish(topic: string, payload: unknown): Promise<void>;
  subscribe(topic: string, listener: (payload: unknown) => void): () => void;
  close(): Promise<void>;
}

export function createInProcessMessageBus(): MessageBus {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return {
    async publish(topic, payload) {
      events.emit(topic, payload);
    },
    subscribe(topic, listener) {
      events.on(topic, listener);
      return () => events.off(topic, listener);
    },
    async close() {
      events.removeAllListeners();
    },
  };
}
