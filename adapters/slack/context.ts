import type { CrmStore } from '../../src/crm/crm-store.ts';
import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { HandoffService } from '../../src/handoff/handoff-service.ts';
import type { KnowledgeSnapshot } from '../../src/knowledge/knowledge-snapshot.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { WebClient } from './client.ts';
import type { SlackConfig } from './config.ts';
import type { DeliveryMarks } from './delivery.ts';
import type { EducatorDirectory, EducatorLookup } from './educators.ts';
import type { SlackState } from './state.ts';
import type { ThreadSync } from './sync.ts';

/** What the console's listeners share. */
export interface ConsoleContext {
  config: SlackConfig;
  service: HandoffService;
  store: HandoffStore;
  crm: CrmStore;
  knowledge: () => KnowledgeSnapshot;
  slack: () => WebClient;
  state: SlackState;
  educators: EducatorDirectory;
  marks: DeliveryMarks;
  sync: ThreadSync;
  refreshHome: () => void;
  logger: Logger;
  clock: Clock;
}

/**
 * A private note to one person: ephemeral where they clicked (channel or thread), else in their DM with the app
 * (e.g. from the Home tab, which has no channel).
 * @see https://docs.slack.dev/reference/methods/chat.postEphemeral
 */
export async function tell(
  ctx: ConsoleContext,
  to: { userId: string; channelId?: string; threadTs?: string },
  text: string,
): Promise<void> {
  const slack = ctx.slack();
  if (to.channelId)
    await slack.chat.postEphemeral({
      channel: to.channelId,
      user: to.userId,
      text,
      ...(to.threadTs && { thread_ts: to.threadTs }),
    });
  else await slack.chat.postMessage({ channel: to.userId, text });
}

export const INACTIVE_TEXT = 'Your Sehat educator account is deactivated; ask an administrator to re-activate it.';

/** The educator behind a Slack user, or a private explanation and undefined. */
export async function educatorOrTell(
  ctx: ConsoleContext,
  to: { userId: string; channelId?: string; threadTs?: string },
): Promise<Extract<EducatorLookup, { kind: 'ok' }>['educator'] | undefined> {
  const found = await ctx.educators.forSlackUser(to.userId);
  if (found.kind === 'ok') return found.educator;
  await tell(ctx, to, INACTIVE_TEXT);
  return undefined;
}
