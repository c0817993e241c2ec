import { describe, expect, it } from 'vitest';
import { mapConnectorError, parseRetryAfter } from '../../../adapters/botframework/connector-errors.ts';

const NOW = Date.parse('2026-03-02T03:00:00Z');
/** The shape of @azure/core-rest-pipeline's RestError as botbuilder's ConnectorClient throws it. */
const restError = (statusCode: number | undefined, code?: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error('connector'), {
    name: 'RestError',
    statusCode,
    code,
    response: { headers: { get: (name: string) => headers[name.toLowerCase()] } },
  });

describe('mapConnectorError', () => {
  it.each([
    [restError(429, 'TooManyRequests', { 'retry-after': '3' }), 'rate_limited', true, { retryAfterMs: 3000 }],
    [restError(429), 'rate_limited', true, { retryAfterMs: 1000 }],
    [restError(500, 'ServiceError'), 'send_failed', true, undefined],
    [restError(502), 'send_failed', true, undefined],
    [restError(503), 'send_failed', true, undefined],
    [restError(408), 'send_failed', true, undefined],
    [restError(undefined, 'ECONNREFUSED'), 'send_failed', true, undefined],
    [new TypeError('fetch failed'), 'send_failed', true, undefined],
    [restError(401, 'Unauthorized'), 'send_permanent', false, { platformCode: '401 Unauthorized' }],
    [
      restError(403, 'ConversationBlockedByUser'),
      'send_permanent',
      false,
      { platformCode: '403 ConversationBlockedByUser' },
    ],
    [restError(404, 'ConversationNotFound'), 'send_permanent', false, { platformCode: '404 ConversationNotFound' }],
    [restError(400, 'BadSyntax'), 'send_permanent', false, { platformCode: '400 BadSyntax' }],
    [restError(413, 'MessageSizeTooBig'), 'send_permanent', false, { platformCode: '413 MessageSizeTooBig' }],
  ])('%#: → %s (retryable %s)', (error, code, retryable, details) => {
    const { error: mapped } = mapConnectorError(error, NOW);
    expect(mapped).toMatchObject({ code, retryable });
    if (details) expect(mapped.details).toEqual(details);
  });

  it('marks the patient unreachable on 403 (blocked, bot removed) and 404 (conversation gone), not on 401', () => {
    expect(mapConnectorError(restError(403, 'ConversationBlockedByUser'), NOW).unreachableReason).toBe(
      'ConversationBlockedByUser',
    );
    expect(mapConnectorError(restError(404), NOW).unreachableReason).toBe('conversation_not_found');
    expect(mapConnectorError(restError(401), NOW).unreachableReason).toBeUndefined();
    expect(mapConnectorError(restError(429), NOW).unreachableReason).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter('0.5', NOW)).toBe(500);
    expect(parseRetryAfter('Mon, 02 Mar 2026 03:00:10 GMT', NOW)).toBe(10_000);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});
