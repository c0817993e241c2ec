import { Telegram, TelegramError } from 'telegraf';
import { AppError } from '../../src/core/errors.ts';

/**
 * The SDK: telegraf's `Telegram` Bot API client, with its documented `apiRoot` option (tests point it at a
 * local double of the Bot API). Everything the adapter sends goes through here.
 * @see https://telegraf.js.org/classes/Telegram.html
 */
export function createTelegramClient(options: { token: string; apiRoot: string }): Telegram {
  // webhookReply off: calls are real HTTP requests, never folded into a webhook response, so every
  // answerCallbackQuery is visible and its errors are reported.
  return new Telegram(options.token, { apiRoot: options.apiRoot, webhookReply: false });
}

export function isTelegramError(error: unknown): error is TelegramError {
  return error instanceof TelegramError;
}

/** Telegram's 429 says how long to wait: `parameters.retry_after` seconds. @see https://core.telegram.org/bots/api#responseparameters */
export function retryAfterMs(error: unknown): number | undefined {
  const seconds = isTelegramError(error) ? error.parameters?.retry_after : undefined;
  return typeof seconds === 'number' ? seconds * 1000 : undefined;
}

/** 403s that mean this patient can no longer be reached on Telegram. */
export function isUnreachable(error: unknown): boolean {
  return (
    isTelegramError(error) &&
    error.code === 403 &&
    /blocked by the user|user is deactivated|bot was kicked|chat not found/i.test(error.description ?? '')
  );
}

/**
 * A failed Bot API call → the error the outbox understands: 429 → rate_limited (with the wait Telegram
 * asked for), 5xx and network errors → send_failed (retried with backoff), other refusals → send_permanent.
 */
export function toSendError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isTelegramError(error)) {
    const code = error.code;
    const description = String(error.description ?? '').slice(0, 200);
    if (code === 429)
      return new AppError('rate_limited', `Telegram flood control: ${description}`, {
        retryable: true,
        details: { retryAfterMs: retryAfterMs(error) ?? 1000, platformCode: code },
        cause: error,
      });
    if (code >= 500)
      return new AppError('send_failed', `Telegram server error ${code}: ${description}`, {
        retryable: true,
        details: { platformCode: code },
        cause: error,
      });
    return new AppError('send_permanent', `Telegram refused the message: ${code} ${description}`, {
      retryable: false,
      details: { platformCode: code },
      cause: error,
    });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new AppError('send_failed', `Telegram unreachable: ${message.replace(/bot\d+:[^/\s]+/g, 'bot[redacted]')}`, {
    retryable: true,
    cause: error,
  });
}
