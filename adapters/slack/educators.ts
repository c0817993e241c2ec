import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { Educator } from '../../src/handoff/types.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { WebClient } from './client.ts';
import { NEUTRAL_EDUCATOR_NAME } from './config.ts';

/**
 * Not a scrypt hash, so these accounts can never log in to the web console with a password: a Slack
 * educator is whoever Slack says is clicking.
 */
const NO_PASSWORD = 'slack-only:no-password';

export type EducatorLookup = { kind: 'ok'; educator: Educator } | { kind: 'inactive' };

/**
 * Slack users ↔ Sehat educator accounts: `slack:<USER_ID>` with the Slack display name, created on first use.
 * @see https://docs.slack.dev/reference/methods/users.info
 */
export function createEducatorDirectory(deps: {
  store: HandoffStore;
  slack: () => WebClient;
  clock: Clock;
  showEducatorName: boolean;
}) {
  const { store } = deps;
  /** Short-lived, so a deactivated account stops working within minutes. */
  const cache = new Map<string, { educator: Educator; atMs: number }>();
  const CACHE_MS = 5 * 60_000;

  async function displayNameOf(userId: string): Promise<string> {
    const info = await deps.slack().users.info({ user: userId });
    const user = info.user;
    return (
      user?.profile?.display_name?.trim() ||
      user?.profile?.real_name?.trim() ||
      user?.real_name?.trim() ||
      user?.name ||
      userId
    );
  }

  return {
    async forSlackUser(userId: string): Promise<EducatorLookup> {
      const cached = cache.get(userId);
      if (cached && deps.clock.now().getTime() - cached.atMs < CACHE_MS)
        return { kind: 'ok', educator: cached.educator };
      const username = `slack:${userId}`;
      let account = await store.findEducatorByUsername(username);
      if (!account) {
        const displayName = await displayNameOf(userId);
        try {
          await store.createEducator({ username, displayName, passwordHash: NO_PASSWORD, at: deps.clock.now() });
        } catch {
          // Another process created it at the same moment (unique username): use theirs.
        }
        account = await store.findEducatorByUsername(username);
      }
      if (!account) throw new Error(`educator account for ${username} could not be created`);
      if (!account.active) return { kind: 'inactive' };
      const educator = { id: account.id, username: account.username, displayName: account.displayName };
      cache.set(userId, { educator, atMs: deps.clock.now().getTime() });
      return { kind: 'ok', educator };
    },
    /** The educator as the patient sees them (name hidden when SLACK_SHOW_EDUCATOR_NAME=false). */
    patientFacing(educator: Educator): Educator {
      return deps.showEducatorName ? educator : { ...educator, displayName: NEUTRAL_EDUCATOR_NAME };
    },
    slackUserId(educator: Educator | undefined): string | undefined {
      return educator?.username.startsWith('slack:') ? educator.username.slice('slack:'.length) : undefined;
    },
  };
}

export type EducatorDirectory = ReturnType<typeof createEducatorDirectory>;
