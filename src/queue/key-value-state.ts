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

export function createMemoryKeyValueState(now: () => number = Date.now): KeyValueState {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  let sweeps = 0;
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const sweep = () => {
    // Amortised clean-up so expired dedupe marks don't accumulate forever.
    if (++sweeps % 1000 !== 0) return;
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  };
  return {
    async setIfAbsent(key, value, ttlMs) {
      sweep();
      if (live(key)) return false;
      entries.set(key, { value, expiresAt: now() + ttlMs });
      return true;
    },
    async get(key) {
      return live(key)?.value;
    },
    async delete(key) {
      entries.delete(key);
    },
    async increment(key, delta, ttlMs) {
      const entry = live(key);
      const value = Number(entry?.value ?? 0) + delta;
      entries.set(key, { value: String(value), expiresAt: entry?.expiresAt ?? now() + ttlMs });
      return value;
    },
    async close() {
      entries.clear();
    },
  };
}
