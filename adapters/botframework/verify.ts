/**
 * A local pre-check of the Authorization header of a Bot Framework request. PURE (time is a parameter).
 *
 * The real verification — the JWT's RS256 signature against the Bot Framework's published OpenID keys, its
 * issuer, audience (our app id), the channel endorsement and the serviceUrl claim — is botbuilder's
 * (CloudAdapter → JwtTokenValidation). This check only rejects, without any network call, what can never
 * pass: a missing or non-Bearer header, a token that is not a JWT, an unsigned token (alg "none" or any
 * algorithm the Bot Framework does not use) and an expired one. It also keeps botbuilder from logging a
 * stack trace to the console for every anonymous request.
 * @see https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication?view=azure-bot-service-4.0#bot-to-connector
 */

/** botbuilder's allowed signing algorithms and clock tolerance (JwtTokenValidation). */
const ALLOWED_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type PrecheckResult =
  | { ok: true }
  | {
      ok: false;
      reason: 'missing_token' | 'not_bearer' | 'malformed_token' | 'unsigned_token' | 'expired' | 'not_yet_valid';
    };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function precheckAuthorization(header: string | null | undefined, nowMs: number): PrecheckResult {
  if (!header?.trim()) return { ok: false, reason: 'missing_token' };
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) return { ok: false, reason: 'not_bearer' };
  const segments = match[1].split('.');
  if (segments.length !== 3) return { ok: false, reason: 'malformed_token' };
  const [head, body, signature] = segments as [string, string, string];
  const jose = decodeSegment(head);
  const claims = decodeSegment(body);
  if (!jose || !claims) return { ok: false, reason: 'malformed_token' };
  if (typeof jose.alg !== 'string' || !ALLOWED_ALGORITHMS.has(jose.alg) || !BASE64URL.test(signature))
    return { ok: false, reason: 'unsigned_token' };
  if (typeof claims.exp === 'number' && claims.exp * 1000 + CLOCK_SKEW_MS < nowMs)
    return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 - CLOCK_SKEW_MS > nowMs)
    return { ok: false, reason: 'not_yet_valid' };
  return { ok: true };
}

/**
 * Without an app id (the Emulator's local mode) nobody is authenticated, so replies may only go to a
 * connector on this machine: otherwise anyone could make the server POST to any address they name.
 */
export function isLoopbackServiceUrl(serviceUrl: string): boolean {
  try {
    const { hostname } = new URL(serviceUrl);
    return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
  } catch {
    return false;
  }
}
