import { describe, expect, it } from 'vitest';
import { verifySecretToken } from '../../../adapters/telegram/verify.ts';

describe('verifySecretToken (X-Telegram-Bot-Api-Secret-Token)', () => {
  const secret = 'sehat_webhook_secret_0123456789';
  const cases: [string, string | null | undefined, boolean][] = [
    ['the configured secret', secret, true],
    ['a missing header', null, false],
    ['an undefined header', undefined, false],
    ['an empty header', '', false],
    ['a different secret of the same length', `${secret.slice(0, -1)}x`, false],
    ['a prefix of the secret', secret.slice(0, 10), false],
    ['the secret with something appended', `${secret}x`, false],
    ['different case', secret.toUpperCase(), false],
  ];
  it.each(cases)('%s → %s', (_name, header, expected) => {
    expect(verifySecretToken(header, secret)).toBe(expected);
  });

  it('refuses everything when no secret is configured', () => {
    expect(verifySecretToken('', '')).toBe(false);
    expect(verifySecretToken('anything', '')).toBe(false);
  });
});
