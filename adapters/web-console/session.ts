import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { Educator } from '../../src/handoff/types.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import { newSecretToken } from '../../src/shared/ids.ts';
import { verifyPassword } from '../../src/shared/password.ts';

export const SESSION_COOKIE = 'sehat_educator';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000; // one shift
const FAILED_LOGIN_LIMIT = 5;
const FAILED_LOGIN_WINDOW_MS = 15 * 60 * 1000;

export type LoginResult = { ok: true; token: string; educator: Educator } | { ok: false; reason: 'invalid' | 'locked' };

/** Educator sessions live in the shared key-value state, so any process can serve a logged-in educator. */
export function createSessions(store: HandoffStore, kv: KeyValueState) {
  return {
    async login(username: string, password: string): Promise<LoginResult> {
      const failKey = `login-fail:${username.toLowerCase()}`;
      if (Number((await kv.get(failKey)) ?? 0) >= FAILED_LOGIN_LIMIT) return { ok: false, reason: 'locked' };
      const account = await store.findEducatorByUsername(username);
      // Unknown users cost the same time as a wrong password, so usernames can't be probed.
      const valid = account?.active
        ? await verifyPassword(password, account.passwordHash)
        : await verifyPassword(password, DUMMY_HASH).then(() => false);
      if (!valid || !account) {
        await kv.increment(failKey, 1, FAILED_LOGIN_WINDOW_MS);
        return { ok: false, reason: 'invalid' };
      }
      await kv.delete(failKey);
      const token = newSecretToken();
      await kv.setIfAbsent(`edu-session:${token}`, account.id, SESSION_TTL_MS);
      return {
        ok: true,
        token,
        educator: { id: account.id, username: account.username, displayName: account.displayName },
      };
    },
    async educatorFor(token: string | undefined): Promise<Educator | undefined> {
      if (!token) return undefined;
      const id = await kv.get(`edu-session:${token}`);
      return id ? store.getEducator(id) : undefined;
    },
    async logout(token: string | undefined): Promise<void> {
      if (token) await kv.delete(`edu-session:${token}`);
    },
  };
}

/** A real scrypt hash of a random password: makes "no such user" cost as much time as a wrong password. */
const DUMMY_HASH = 'scrypt$32768$8$1$c2VoYXQtZHVtbXktc2FsdA$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyMTI';
