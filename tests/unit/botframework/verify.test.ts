import { describe, expect, it } from 'vitest';
import { isLoopbackServiceUrl, precheckAuthorization } from '../../../adapters/botframework/verify.ts';

const NOW = Date.parse('2026-03-02T03:00:00Z');
const seg = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (head: Record<string, unknown>, claims: Record<string, unknown>, signature = 'c2lnbmF0dXJl') =>
  `Bearer ${seg(head)}.${seg(claims)}.${signature}`;
const valid = { iss: 'https://api.botframework.com', aud: 'app', exp: NOW / 1000 + 3600, nbf: NOW / 1000 - 60 };

describe('precheckAuthorization (local, before botbuilder verifies the signature)', () => {
  const cases: [string, string | null, string | true][] = [
    ['a well-formed RS256 token', token({ alg: 'RS256', kid: 'k' }, valid), true],
    ['no header', null, 'missing_token'],
    ['an empty header', '  ', 'missing_token'],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', 'not_bearer'],
    ['a token that is not a JWT', 'Bearer abc.def', 'malformed_token'],
    ['a JWT whose parts are not JSON', 'Bearer abc.def.ghi', 'malformed_token'],
    ['an unsigned token (alg none)', token({ alg: 'none' }, valid, ''), 'unsigned_token'],
    ['an HMAC token (not what the Bot Framework signs with)', token({ alg: 'HS256' }, valid), 'unsigned_token'],
    ['a token without a signature', `${token({ alg: 'RS256' }, valid, '')}`, 'unsigned_token'],
    [
      'an expired token (beyond the 5-minute skew)',
      token({ alg: 'RS256' }, { ...valid, exp: NOW / 1000 - 301 }),
      'expired',
    ],
    ['a token expired within the skew', token({ alg: 'RS256' }, { ...valid, exp: NOW / 1000 - 200 }), true],
    ['a token not valid yet', token({ alg: 'RS256' }, { ...valid, nbf: NOW / 1000 + 600 }), 'not_yet_valid'],
  ];
  for (const [name, header, expected] of cases) {
    it(`${name} → ${expected === true ? 'passes to botbuilder' : expected}`, () => {
      const result = precheckAuthorization(header, NOW);
      expect(result).toEqual(expected === true ? { ok: true } : { ok: false, reason: expected });
    });
  }
});

describe('isLoopbackServiceUrl (unauthenticated local mode)', () => {
  it.each([
    ['http://localhost:56379', true],
    ['http://127.0.0.1:8080/', true],
    ['http://[::1]:3978', true],
    ['https://smba.trafficmanager.net/apac/', false],
    ['http://169.254.169.254/latest/meta-data', false],
    ['http://localhost.evil.example/', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackServiceUrl(url)).toBe(expected);
  });
});
