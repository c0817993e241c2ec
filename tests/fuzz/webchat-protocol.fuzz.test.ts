import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../../adapters/webchat/protocol.ts';

/** Property-based fuzzing: whatever a browser (or an attacker) sends, the parser answers, never throws. */
describe('web chat protocol parser under fuzzing', () => {
  const anyJsonish = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json({ maxDepth: 4 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc
      .record({
        type: fc.oneof(
          fc.constantFrom('hello', 'message', 'choice', 'ping', 'sticker', ''),
          fc.string(),
          fc.integer(),
          fc.constant(null),
        ),
        id: fc.oneof(fc.string({ maxLength: 150 }), fc.integer(), fc.constant(undefined)),
        text: fc.oneof(fc.string({ maxLength: 5000 }), fc.integer(), fc.constant(null), fc.constant(undefined)),
        choiceId: fc.oneof(fc.string({ maxLength: 300 }), fc.constant(undefined)),
        session: fc.oneof(fc.string({ maxLength: 100 }), fc.constant(undefined)),
      })
      .map((o) => JSON.stringify(o)),
  );

  it('returns a valid frame or a coded error for any input, and never throws', () => {
    fc.assert(
      fc.property(anyJsonish, (raw) => {
        const result = parseClientFrame(raw, 2000);
        if ('error' in result) {
          expect(['invalid_json', 'unknown_type', 'bad_frame', 'empty_text', 'too_long']).toContain(result.error.code);
          expect(result.error.message.length).toBeGreaterThan(0);
          expect(result.error.message.length).toBeLessThan(300);
        } else {
          expect(['hello', 'message', 'choice', 'ping']).toContain(result.frame.type);
          if (result.frame.type === 'message') {
            expect(result.frame.text.trim().length).toBeGreaterThan(0);
            expect(result.frame.text.length).toBeLessThanOrEqual(2000);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never echoes a long attacker-controlled type back in the error', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 100, maxLength: 1000 }), (type) => {
        const result = parseClientFrame(JSON.stringify({ type }), 2000);
        expect('error' in result && result.error.message.length).toBeLessThan(120);
      }),
    );
  });
});
