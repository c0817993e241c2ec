import { describe, expect, it } from 'vitest';
import { createMemoryKeyValueState, isDedupeMark } from '../../../src/queue/key-value-state.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('in-process key-value state: bounded dedupe marks', () => {
  it('recognises the engine’s inbound dedupe keys as marks, and nothing else', () => {
    expect(isDedupeMark('dedupe:whatsapp:wamid.HBgL')).toBe(true);
    expect(isDedupeMark('rate:whatsapp:628123:29000000')).toBe(false);
    expect(isDedupeMark('resume:01J')).toBe(false);
    expect(isDedupeMark('whatsapp:pending:abc')).toBe(false);
  });

  it('keeps only the newest maxMarks marks, forgetting the oldest first', async () => {
    const kv = createMemoryKeyValueState(Date.now, { maxMarks: 3 });
    for (let i = 1; i <= 5; i++) expect(await kv.setIfAbsent(`dedupe:whatsapp:m${i}`, '1', 8 * DAY_MS)).toBe(true);
    expect(await kv.get('dedupe:whatsapp:m1')).toBeUndefined();
    expect(await kv.get('dedupe:whatsapp:m2')).toBeUndefined();
    for (const i of [3, 4, 5]) expect(await kv.get(`dedupe:whatsapp:m${i}`)).toBe('1');
    // A forgotten mark can be set again (the CRM's unique index then tells the redelivery apart).
    expect(await kv.setIfAbsent('dedupe:whatsapp:m1', '1', 8 * DAY_MS)).toBe(true);
    expect(await kv.setIfAbsent('dedupe:whatsapp:m5', '1', 8 * DAY_MS)).toBe(false);
  });

  it('never evicts other keys early, however many there are', async () => {
    const kv = createMemoryKeyValueState(Date.now, { maxMarks: 2 });
    for (let i = 0; i < 50; i++) await kv.setIfAbsent(`whatsapp:pending:${i}`, `held-${i}`, 14 * DAY_MS);
    for (let i = 0; i < 50; i++) await kv.setIfAbsent(`dedupe:whatsapp:${i}`, '1', 8 * DAY_MS);
    for (let i = 0; i < 50; i++) expect(await kv.get(`whatsapp:pending:${i}`)).toBe(`held-${i}`);
    expect(await kv.get('dedupe:whatsapp:0')).toBeUndefined();
    expect(await kv.get('dedupe:whatsapp:49')).toBe('1');
  });

  it('still forgets marks and counters at their TTL', async () => {
    let t = 1_000_000;
    const kv = createMemoryKeyValueState(() => t, { maxMarks: 10 });
    await kv.setIfAbsent('dedupe:telegram:1', '1', 1_000);
    expect(await kv.increment('rate:k:1', 1, 2_000)).toBe(1);
    t += 1_000;
    expect(await kv.get('dedupe:telegram:1')).toBeUndefined();
    expect(await kv.increment('rate:k:1', 1, 2_000)).toBe(2);
    t += 1_000;
    expect(await kv.get('rate:k:1')).toBeUndefined();
    expect(await kv.increment('rate:k:1', 5, 2_000)).toBe(5);
  });
});
