import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Telegram does not sign webhook bodies: it sends the secret given to setWebhook in the
 * `X-Telegram-Bot-Api-Secret-Token` header of every request.
 * @see https://core.telegram.org/bots/api#setwebhook
 */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Pure, constant-time check of the header against the configured secret. Both sides are hashed first so
 * the comparison takes the same time whatever the lengths (timingSafeEqual needs equal lengths, and an
 * early length check would leak the secret's length).
 */
export function verifySecretToken(received: string | null | undefined, expected: string): boolean {
  if (!expected) return false;
  const a = createHash('sha256')
    .update(received ?? '')
    .digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && received !== null && received !== undefined;
}
