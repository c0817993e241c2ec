import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackRequest } from '../../../adapters/slack/verify.ts';

/**
 * The worked example of https://docs.slack.dev/authentication/verifying-requests-from-slack
 * (a slash command body, its timestamp, the documented signing secret and resulting signature).
 */
const DOC = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const at = (seconds: number) => seconds * 1000;

describe('Slack request signatures', () => {
  it('computes the documented signature', () => {
    expect(slackSignature(DOC.secret, DOC.timestamp, DOC.body)).toBe(DOC.signature);
  });

  const cases: [string, Partial<Parameters<typeof verifySlackRequest>[0]>, ReturnType<typeof verifySlackRequest>][] = [
    ['the documented request, just received', {}, { ok: true }],
    ['4m59s old', { nowMs: at(1531420618 + 299) }, { ok: true }],
    ['more than five minutes old', { nowMs: at(1531420618 + 301) }, { ok: false, reason: 'stale' }],
    ['more than five minutes in the future', { nowMs: at(1531420618 - 301) }, { ok: false, reason: 'stale' }],
    ['another secret', { signingSecret: 'another-secret-0000' }, { ok: false, reason: 'bad_signature' }],
    ['a changed body', { rawBody: `${DOC.body}&x=1` }, { ok: false, reason: 'bad_signature' }],
    ['a changed timestamp', { timestamp: '1531420619' }, { ok: false, reason: 'bad_signature' }],
    ['a truncated signature', { signature: DOC.signature.slice(0, 20) }, { ok: false, reason: 'bad_signature' }],
    ['a v1 signature', { signature: DOC.signature.replace('v0=', 'v1=') }, { ok: false, reason: 'bad_signature' }],
    ['no signature', { signature: null }, { ok: false, reason: 'missing_headers' }],
    ['no timestamp', { timestamp: undefined }, { ok: false, reason: 'missing_headers' }],
    ['a non-numeric timestamp', { timestamp: '1531420618abc' }, { ok: false, reason: 'bad_timestamp' }],
  ];
  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(
      verifySlackRequest({
        signingSecret: DOC.secret,
        timestamp: DOC.timestamp,
        signature: DOC.signature,
        rawBody: DOC.body,
        nowMs: at(1531420618 + 10),
        ...overrides,
      }),
    ).toEqual(expected);
  });
});
