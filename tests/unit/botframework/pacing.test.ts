import { describe, expect, it } from 'vitest';
import { createPacer } from '../../../adapters/botframework/pacing.ts';
import { createMemoryKeyValueState } from '../../../src/queue/key-value-state.ts';

describe('pacing sends under Teams limits', () => {
  function setup(options: { perConversationPerSecond?: number; globalPerSecond?: number } = {}) {
    let now = Date.parse('2026-03-02T03:00:00.250Z');
    const waits: number[] = [];
    const kv = createMemoryKeyValueState(() => now);
    const pacer = createPacer({
      kv,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
      ...options,
    });
    return { pacer, waits };
  }

  it('lets 7 messages a second into one conversation, then waits for the next second', async () => {
    const { pacer, waits } = setup();
    for (let i = 0; i < 7; i++) await pacer.wait('a:conversation');
    expect(waits).toEqual([]);
    await pacer.wait('a:conversation');
    expect(waits).toEqual([750]);
  });

  it('counts conversations separately, under a global ceiling', async () => {
    const { pacer, waits } = setup({ globalPerSecond: 10 });
    for (let i = 0; i < 7; i++) await pacer.wait('a');
    for (let i = 0; i < 3; i++) await pacer.wait('b');
    expect(waits).toEqual([]);
    await pacer.wait('c');
    expect(waits).toEqual([750]);
  });

  it('does not wait forever', async () => {
    const { pacer, waits } = setup({ perConversationPerSecond: 0 });
    await pacer.wait('a');
    expect(waits).toHaveLength(5);
  });
});
