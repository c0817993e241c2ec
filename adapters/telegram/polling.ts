import type { Telegram } from 'telegraf';
import { describeError } from '../../src/core/errors.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { isTelegramError, retryAfterMs } from './client.ts';

/**
 * Telegram keeps an update for at most 24 hours, so a stored offset older than that confirms nothing.
 * Keeping it no longer also matters because update ids restart at random after a quiet week: a stale,
 * higher offset would silently confirm (drop) the new updates.
 * @see https://core.telegram.org/bots/api#getting-updates
 */
export const OFFSET_TTL_MS = 24 * 60 * 60 * 1000;

export interface PollingOptions {
  telegram: Telegram;
  kv: KeyValueState;
  /** Where the next offset is kept, so a restart confirms what the last process handled. */
  offsetKey: string;
  timeoutSeconds: number;
  allowedUpdates: string[];
  logger: Logger;
  /** Stores (or ignores) one update; throws when it could not be stored: it is then fetched again. */
  handle(update: { update_id: number }): Promise<void>;
}

export interface Polling {
  stop(): Promise<void>;
}

/**
 * Long polling with getUpdates for a clinic without a public URL. "An update is considered confirmed as
 * soon as getUpdates is called with an offset higher than its update_id": the offset is advanced only past
 * updates that were stored, sent once to confirm them and persisted, so neither a failure nor a restart
 * loses an update; one fetched twice (a crash before confirming) is dropped by the core's dedupe.
 * @see https://core.telegram.org/bots/api#getupdates
 */
export async function startPolling(options: PollingOptions): Promise<Polling> {
  const { telegram, kv, offsetKey, logger } = options;
  const controller = new AbortController();
  const stored = Number(await kv.get(offsetKey));
  /** Offset still to be sent to Telegram to confirm handled updates (undefined: nothing to confirm). */
  let confirm: number | undefined = Number.isSafeInteger(stored) && stored > 0 ? stored : undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  const saveOffset = async (offset: number) => {
    await kv.delete(offsetKey);
    await kv.setIfAbsent(offsetKey, String(offset), OFFSET_TTL_MS);
  };

  async function loop(): Promise<void> {
    let failures = 0;
    while (!controller.signal.aborted) {
      let updates: { update_id: number }[];
      try {
        const sent = confirm;
        updates = (await telegram.callApi(
          'getUpdates',
          {
            timeout: options.timeoutSeconds,
            allowed_updates: options.allowedUpdates as never,
            ...(sent !== undefined && { offset: sent }),
          },
          { signal: controller.signal as never },
        )) as { update_id: number }[];
        if (confirm === sent) confirm = undefined;
        failures = 0;
      } catch (error) {
        if (controller.signal.aborted) break;
        failures += 1;
        const code = isTelegramError(error) ? error.code : undefined;
        const wait = retryAfterMs(error) ?? Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        logger.warn(
          {
            channel: 'telegram',
            ...describeError(error),
            platformCode: code,
            waitMs: wait,
            ...(code === 409 && { hint: 'a webhook is still set or another process is polling this bot' }),
          },
          'telegram getUpdates failed',
        );
        await pause(wait);
        continue;
      }
      const sorted = [...updates].sort((a, b) => a.update_id - b.update_id);
      for (const update of sorted) {
        try {
          await options.handle(update);
        } catch (error) {
          // Not stored: don't move past it; getUpdates returns it again.
          failures += 1;
          logger.error(
            { channel: 'telegram', updateId: update.update_id, ...describeError(error) },
            'update not stored',
          );
          await pause(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
          break;
        }
        confirm = update.update_id + 1;
        await saveOffset(confirm).catch(() => {});
      }
    }
  }

  const running = loop();
  return {
    async stop() {
      controller.abort();
      await running;
      // Confirm what was handled so the next process (or a webhook) does not get it again.
      if (confirm !== undefined)
        await telegram.callApi('getUpdates', { offset: confirm, limit: 1, timeout: 0 }).catch(() => {});
    },
  };
}
