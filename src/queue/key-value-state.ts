/**
 * Small shared state (dedupe marks, rate-limit counters, locks). In-process by default; Redis when
 * several processes share the work. Both pass tests/contract/key-value-state.contract.ts.
 */
export interface KeyValueState {
  /** Atomically sets key if it is absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Adds delta and returns the new value; the TTL is set when the key is created. */
  increment(key: string, delta: number, ttlMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Keys that only speed up a check a durable store makes anyway, so forgetting one early costs a lookup,
 * never a wrong answer: the engine's inbound dedupe marks (the CRM's unique index on channel + platform
 * message id stands behind them; this process forgets all of them at a restart too).
 */
/** Prefix of the engine's "already accepted" marks (one per inbound message). */
export const DEDUPE_PREFIX = 'dedupe:';
export const isDedupeMark = (key: string): boolean => key.startsWith(DEDUPE_PREFIX);

export interface MemoryKeyValueOptions {
  /** Which keys may be forgotten before their TTL when there are more than maxMarks of them. */
  isMark?: (key: string) => boolean;
  /**
   * At most this many marks are kept, the oldest forgotten first. One is written per inbound message with
   * an 8-day TTL, so without a cap they grow with traffic (~180 B each), not with active conversations.
   */
  maxMarks?: number;
}

/** Redeliveries come within minutes to hours; 50k marks is hours of traffic for one process, ~9 MB. */
const DEFAULT_MAX_MARKS = 50_000;
/** Full sweeps of expired keys run after this many writes, or after as many writes as there are keys. */
const MIN_WRITES_PER_SWEEP = 1_000;

interface Entry {
  value: string;
  expiresAt: number;
}

export function createMemoryKeyValueState(
  now: () => number = Date.now,
  options: MemoryKeyValueOptions = {},
): KeyValueState {
  const isMark = options.isMark ?? isDedupeMark;
  const maxMarks = options.maxMarks ?? DEFAULT_MAX_MARKS;
  const entries = new Map<string, Entry>();
  // Insertion order is age order (a mark is only ever added when absent): the first key is the oldest.
  const marks = new Map<string, Entry>();
  const mapFor = (key: string) => (isMark(key) ? marks : entries);
  let writes = 0;

  const live = (map: Map<string, Entry>, key: string) => {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };
  // Amortised clean-up so expired keys (rate counters, locks) don't accumulate: a full pass costs
  // O(keys), so it runs at most once per that many writes.
  const sweep = () => {
    if (++writes < Math.max(MIN_WRITES_PER_SWEEP, entries.size)) return;
    writes = 0;
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  };
  const addMark = (key: string, entry: Entry) => {
    marks.set(key, entry);
    const t = now();
    for (const [oldest, { expiresAt }] of marks) {
      if (marks.size <= maxMarks && expiresAt > t) break;
      marks.delete(oldest);
    }
  };
  const put = (map: Map<string, Entry>, key: string, entry: Entry) => {
    if (map === marks) addMark(key, entry);
    else {
      entries.set(key, entry);
      sweep();
    }
  };

  return {
    async setIfAbsent(key, value, ttlMs) {
      const map = mapFor(key);
      if (live(map, key)) return false;
      put(map, key, { value, expiresAt: now() + ttlMs });
      return true;
    },
    async get(key) {
      return live(mapFor(key), key)?.value;
    },
    async delete(key) {
      mapFor(key).delete(key);
    },
    async increment(key, delta, ttlMs) {
      const map = mapFor(key);
      const entry = live(map, key);
      const value = Number(entry?.value ?? 0) + delta;
      if (entry) entry.value = String(value);
      else put(map, key, { value: String(value), expiresAt: now() + ttlMs });
      return value;
    },
    async close() {
      entries.clear();
      marks.clear();
    },
  };
}
