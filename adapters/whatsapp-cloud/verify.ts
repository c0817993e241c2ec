import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta signs every webhook POST with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
 * body>`. The HMAC must be computed over the exact bytes received (re-serialised JSON differs: escaped
 * unicode, key order), and compared in constant time.
 * @see https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
 */
export function verifySignature(rawBody: Uint8Array, header: string | null | undefined, appSecret: string): boolean {
  if (!header || !appSecret) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The header value Meta would send for a body (tests and the Graph double sign with it). */
export function signBody(rawBody: string | Uint8Array, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export type HandshakeResult = { ok: true; challenge: string } | { ok: false; status: 400 | 403 };

/**
 * The subscription handshake: Meta sends GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…; we echo
 * the challenge when the token is ours, else 403.
 * @see https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 */
export function verifyHandshake(params: URLSearchParams, verifyToken: string): HandshakeResult {
  const mode = params.get('hub.mode');
  const token = params.get('hub.verify_token') ?? '';
  const challenge = params.get('hub.challenge');
  if (mode !== 'subscribe' || challenge === null) return { ok: false, status: 400 };
  if (!verifyToken || !constantTimeEqual(token, verifyToken)) return { ok: false, status: 403 };
  return { ok: true, challenge };
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare equal-length buffers so the time taken does not reveal the length of the secret either.
  const padded = Buffer.alloc(right.length);
  left.copy(padded);
  return timingSafeEqual(padded, right) && left.length === right.length;
}
