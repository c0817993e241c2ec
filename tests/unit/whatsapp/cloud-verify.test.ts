import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifyHandshake, verifySignature } from '../../../adapters/whatsapp-cloud/verify.ts';

const SECRET = 'app-secret';
const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const good = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('WhatsApp Cloud webhook verification', () => {
  it.each([
    ['the right HMAC of the raw body', good, true],
    ['upper-case hex', good.toUpperCase().replace('SHA256=', 'sha256='), true],
    ['a missing header', undefined, false],
    ['an empty header', '', false],
    ['the sha1 header format', `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`, false],
    ['another secret', signBody(body, 'other'), false],
    ['a truncated signature', good.slice(0, -2), false],
    ['garbage', 'sha256=zz', false],
  ])('%s → %s', (_, header, ok) => {
    expect(verifySignature(body, header, SECRET)).toBe(ok);
  });

  it('checks the exact bytes: re-serialised JSON does not match', () => {
    const raw = Buffer.from('{"a":"\\u00e9"}');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(verifySignature(raw, signBody(raw, SECRET), SECRET)).toBe(true);
    expect(verifySignature(reserialised, signBody(raw, SECRET), SECRET)).toBe(false);
  });

  it('refuses everything when no app secret is configured', () => {
    expect(verifySignature(body, signBody(body, ''), '')).toBe(false);
  });

  it.each([
    ['hub.mode=subscribe&hub.verify_token=tok&hub.challenge=123', { ok: true, challenge: '123' }],
    ['hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=123', { ok: false, status: 403 }],
    ['hub.mode=subscribe&hub.verify_token=to&hub.challenge=123', { ok: false, status: 403 }],
    ['hub.mode=subscribe&hub.verify_token=tokk&hub.challenge=123', { ok: false, status: 403 }],
    ['hub.mode=subscribe&hub.challenge=123', { ok: false, status: 403 }],
    ['hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=123', { ok: false, status: 400 }],
    ['', { ok: false, status: 400 }],
  ])('handshake %s', (query, result) => {
    expect(verifyHandshake(new URLSearchParams(query), 'tok')).toEqual(result);
  });
});
