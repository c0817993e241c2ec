import { AppError } from '../../src/core/errors.ts';

/**
 * PURE: an error thrown by the Bot Connector client (botbuilder's ConnectorClient raises @azure's RestError
 * with `statusCode`, the service's `error.code` as `code`, and the response headers) → the shared
 * adapter errors the outbox understands. The outbox retries what is retryable; nothing retries here.
 *
 * - 429: rate_limited, honouring Retry-After (Teams throttles per conversation and per bot).
 * - 5xx, 408, network errors: send_failed, retryable.
 * - 401: our credentials are refused (wrong app id / password / tenant): permanent; retrying cannot help.
 * - 403 / 404: the bot was blocked or removed, or the conversation is gone: permanent, and the patient is
 *   unreachable on this channel.
 * - other 4xx (400 bad activity, 413 too large): permanent.
 * @see https://learn.microsoft.com/microsoftteams/platform/bots/build-conversational-capability#status-codes-from-bot-conversational-apis
 * @see https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit
 */
export interface MappedSendError {
  error: AppError;
  /** Set when the patient can no longer be reached through this conversation. */
  unreachableReason?: string;
}

const DEFAULT_RETRY_AFTER_MS = 1000;

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

interface ConnectorErrorLike {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { headers?: { get?: (name: string) => string | undefined | null } };
}

export function mapConnectorError(error: unknown, nowMs: number): MappedSendError {
  const e = (error && typeof error === 'object' ? error : {}) as ConnectorErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const platformCode = typeof e.code === 'string' ? e.code : undefined;
  const detail = `${status ?? 'network'}${platformCode ? ` ${platformCode}` : ''}`;
  const cause = error;
  if (status === undefined || status >= 500 || status === 408) {
    return { error: new AppError('send_failed', `Bot Connector unavailable (${detail})`, { retryable: true, cause }) };
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after'), nowMs) ?? DEFAULT_RETRY_AFTER_MS;
    return {
      error: new AppError('rate_limited', 'Bot Connector throttled the bot (429)', {
        retryable: true,
        details: { retryAfterMs },
        cause,
      }),
    };
  }
  const permanent = (message: string) =>
    new AppError('send_permanent', message, { retryable: false, details: { platformCode: detail }, cause });
  if (status === 401)
    return { error: permanent('Bot Connector refused the bot credentials (401): check BOTFRAMEWORK_APP_ID/PASSWORD') };
  if (status === 403 || status === 404)
    return {
      error: permanent(`Bot Connector refused the conversation (${detail})`),
      unreachableReason: platformCode ?? (status === 403 ? 'forbidden' : 'conversation_not_found'),
    };
  return { error: permanent(`Bot Connector rejected the activity (${detail})`) };
}
