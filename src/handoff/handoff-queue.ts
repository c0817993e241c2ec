import { EventEmitter } from 'node:events';
import { type HandoffEvent, type HandoffPriority, PRIORITY_RANK } from './types.ts';

export interface QueueEntry {
  handoffId: string;
  priority: HandoffPriority;
  /** When the patient started waiting (ms since epoch): older first within a priority. */
  enqueuedAtMs: number;
}

/**
 * The live educator queue: ordering by priority then waiting time, an atomic claim, and events that reach
 * every console in every process. In-process by default; Redis when several processes serve one clinic.
 * The CRM's handoff rows stay the durable record; this is the fast, shared view of who waits.
 */
export interface HandoffQueue {
  push(entry: QueueEntry): Promise<void>;
  /** Removes the entry if still queued; true for exactly one caller, however many race. */
  claim(handoffId: string): Promise<boolean>;
  remove(handoffId: string): Promise<void>;
  list(): Promise<QueueEntry[]>;
  /** 1-based position, or undefined when not queued. */
  position(handoffId: string): Promise<number | undefined>;
  publish(event: HandoffEvent): Promise<void>;
  subscribe(listener: (event: HandoffEvent) => void): () => void;
  close(): Promise<void>;
}

export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.enqueuedAtMs - b.enqueuedAtMs;
}

export function createInProcessHandoffQueue(): HandoffQueue {
  const entries = new Map<string, QueueEntry>();
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  const sorted = () => [...entries.values()].sort(compareEntries);
  return {
    async push(entry) {
      entries.set(entry.handoffId, entry);
    },
    async claim(handoffId) {
      return entries.delete(handoffId);
    },
    async remove(handoffId) {
      entries.delete(handoffId);
    },
    async list() {
      return sorted();
    },
    async position(handoffId) {
      const index = sorted().findIndex((e) => e.handoffId === handoffId);
      return index >= 0 ? index + 1 : undefined;
    },
    async publish(event) {
      events.emit('event', event);
    },
    subscribe(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    async close() {
      events.removeAllListeners();
    },
  };
}
