import type { App } from '@slack/bolt';
import { describeError } from '../../src/core/errors.ts';
import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { HandoffService } from '../../src/handoff/handoff-service.ts';
import type { Handoff } from '../../src/handoff/types.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { WebClient } from './client.ts';
import type { EducatorDirectory } from './educators.ts';
import { renderHome, type TodayNumbers } from './views.ts';

/** Calendar day of an instant in the clinic's time zone, e.g. 2026-03-02. */
export function localDay(at: Date | string, timeZone: string): string {
  return new Date(at).toLocaleDateString('en-CA', { timeZone });
}

/** Pure: today's hand-off numbers in the clinic's time zone. */
export function todayNumbers(handoffs: Handoff[], now: Date, timeZone: string): TodayNumbers {
  const today = localDay(now, timeZone);
  const isToday = (at: string | null) => at !== null && localDay(at, timeZone) === today;
  const claimedToday = handoffs.filter((h) => isToday(h.claimedAt));
  const waits = claimedToday
    .map((h) => (Date.parse(h.claimedAt as string) - Date.parse(h.createdAt)) / 60_000)
    .sort((a, b) => a - b);
  const median = waits.length
    ? ((waits[Math.floor((waits.length - 1) / 2)] ?? 0) + (waits[Math.ceil((waits.length - 1) / 2)] ?? 0)) / 2
    : null;
  return {
    opened: handoffs.filter((h) => isToday(h.createdAt)).length,
    claimed: claimedToday.length,
    closed: handoffs.filter((h) => isToday(h.closedAt)).length,
    waiting: handoffs.filter((h) => h.status === 'waiting').length,
    medianWaitMinutes: median === null ? null : Math.round(median),
  };
}

/** How long after opening the Home tab a person keeps getting live updates. */
const VIEWER_TTL_MS = 8 * 60 * 60_000;
const REFRESH_DEBOUNCE_MS = 1_000;

/**
 * The App Home tab: the live queue (by priority, with waiting times), the educator's own active chats and
 * today's numbers. Published when opened and re-published (debounced) when the queue changes.
 * @see https://docs.slack.dev/reference/events/app_home_opened  @see https://docs.slack.dev/reference/methods/views.publish
 */
export function createAppHome(deps: {
  service: HandoffService;
  store: HandoffStore;
  educators: EducatorDirectory;
  slack: () => WebClient;
  clock: Clock;
  timeZone: string;
  oncallMention: string;
  logger: Logger;
}) {
  const viewers = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  async function publish(userId: string): Promise<void> {
    const found = await deps.educators.forSlackUser(userId);
    const queue = await deps.service.queueViews();
    const mine =
      found.kind === 'ok'
        ? queue.filter((v) => v.handoff.status === 'claimed' && v.handoff.educatorId === found.educator.id)
        : [];
    const today = todayNumbers(await deps.store.listHandoffs({}), deps.clock.now(), deps.timeZone);
    await deps.slack().views.publish({
      user_id: userId,
      view: renderHome({ queue, mine, today, oncallMention: deps.oncallMention }),
    });
  }

  const safePublish = (userId: string) =>
    publish(userId).catch((error) => deps.logger.warn(describeError(error), 'App Home publish failed'));

  return {
    register(app: App): void {
      app.event('app_home_opened', async ({ event }) => {
        if (event.tab !== 'home') return;
        viewers.set(event.user, Date.now());
        await safePublish(event.user);
      });
    },
    refreshSoon(): void {
      if (timer || viewers.size === 0) return;
      timer = setTimeout(() => {
        timer = undefined;
        const now = Date.now();
        for (const [userId, since] of viewers) {
          if (now - since > VIEWER_TTL_MS) viewers.delete(userId);
          else void safePublish(userId);
        }
      }, REFRESH_DEBOUNCE_MS);
      timer.unref();
    },
    stop(): void {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
