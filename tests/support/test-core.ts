import { type Core, createCore } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import type { InboundMessage, OutboundMessage } from '../../src/core/types.ts';
import { type Clock, createManualClock } from '../../src/shared/clock.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';
import { recordingChannel } from './builders.ts';

export interface TestCore extends Core {
  sent: OutboundMessage[];
  /** Accepts a message and waits until its turn (and any hand-off notices) are done. */
  say(message: InboundMessage): Promise<OutboundMessage[]>;
}

/** The real core (engine, CRM on in-memory SQLite, knowledge base, hand-off) with a recording channel. */
export async function createTestCore(
  env: Record<string, string> = {},
  options: { clock?: Clock; greet?: boolean } = {},
): Promise<TestCore> {
  const channel = recordingChannel('webchat');
  const core = await createCore(
    parseEnv({
      DATABASE_URL: 'sqlite::memory:',
      KB_HOT_RELOAD: 'false',
      LOG_LEVEL: 'silent',
      EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      ...env,
    }),
    {
      logger: createSilentLogger(),
      clock: options.clock ?? createManualClock('2026-03-02T03:00:00Z'),
      channels: [channel],
      greetOnFirstContact: options.greet ?? false,
    },
  );
  return {
    ...core,
    sent: channel.sent,
    async say(message) {
      const before = channel.sent.length;
      await core.engine.accept(message);
      await core.queue.idle();
      return channel.sent.slice(before);
    },
  };
}

/** Everything a message shows the patient, as one string. */
export function shown(messages: OutboundMessage[]): string {
  return messages
    .flatMap((m) => m.parts)
    .map((p) =>
      p.kind === 'text'
        ? p.markdown
        : p.kind === 'article'
          ? `${p.title}\n${p.summary}\n${p.sources.map((s) => s.url).join(' ')}`
          : `${p.prompt} ${p.choices.map((c) => `[${c.label}]`).join(' ')}`,
    )
    .join('\n');
}
