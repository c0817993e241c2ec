import { LogLevel, type Logger as SlackLogger, webApi } from '@slack/bolt';
import type { Logger } from '../../src/shared/logger.ts';

export type WebClient = InstanceType<typeof webApi.WebClient>;
export type RetryOptions = NonNullable<ConstructorParameters<typeof webApi.WebClient>[1]>['retryConfig'];

/**
 * Retries of the Web API client: 429s wait for `Retry-After` (the client pauses its queue, then retries),
 * 5xx and network errors back off exponentially. Bounded to well under a minute, so one call never holds a
 * thread lock for long; longer outages are caught up by the console's periodic sync instead.
 * @see https://docs.slack.dev/apis/web-api/rate-limits
 * @see https://docs.slack.dev/tools/node-slack-sdk/web-api#handle-rate-limits
 */
export const DEFAULT_RETRY: RetryOptions = {
  retries: 4,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 8_000,
  randomize: true,
};

/**
 * The SDKs' logger → ours. The SDKs' debug output contains request bodies (patient text), so it is dropped;
 * their info becomes our debug; warnings and errors keep their level (they carry no message text).
 */
export function toSlackLogger(logger: Logger): SlackLogger {
  const join = (parts: unknown[]) => parts.map((p) => (p instanceof Error ? p.message : String(p))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...parts) => logger.debug({ component: 'slack-sdk' }, join(parts)),
    warn: (...parts) => logger.warn({ component: 'slack-sdk' }, join(parts)),
    error: (...parts) => logger.error({ component: 'slack-sdk' }, join(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export function createSlackWebClient(options: {
  token: string;
  apiUrl: string;
  logger: Logger;
  retry?: RetryOptions;
  timeoutMs?: number;
}): WebClient {
  return new webApi.WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: options.retry ?? DEFAULT_RETRY,
    timeout: options.timeoutMs ?? 10_000,
    logger: toSlackLogger(options.logger),
    logLevel: LogLevel.INFO,
  });
}

/** Slack's error code for a failed call: the platform's `error` (e.g. channel_not_found) or the SDK's code. */
export function slackErrorCode(error: unknown): string {
  const e = error as { code?: string; data?: { error?: string } };
  if (e?.code === webApi.ErrorCode.PlatformError && e.data?.error) return e.data.error;
  return e?.code ?? (error instanceof Error ? error.message : 'unknown');
}

/** Errors that mean the configuration is wrong (retrying will not help). */
export const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
]);
