import { AppError } from '../../src/core/errors.ts';

/**
 * Typed configuration of the Telegram channel. app.ts builds it from the TELEGRAM_* settings with
 * `telegramConfigFromSettings`, which reports every problem at once, naming the variable.
 */
export interface TelegramConfig {
  botToken: string;
  /** 'webhook': Telegram POSTs updates to PUBLIC_URL/webhooks/telegram; 'polling': we call getUpdates. */
  mode: 'webhook' | 'polling';
  /** Sent to setWebhook as secret_token and checked on every webhook request (webhook mode). */
  webhookSecret?: string;
  /** Where Telegram delivers updates (webhook mode). */
  webhookUrl?: string;
  /** The Bot API base URL; tests point it at a local double. */
  apiRoot: string;
  /** Group and supergroup chats are ignored unless allowed. */
  allowGroups: boolean;
  /** Languages the bot speaks: the command menu is registered in each. */
  languages: string[];
  defaultLanguage: string;
  /** Long-polling timeout sent to getUpdates, in seconds. */
  pollTimeoutSeconds?: number;
  limits?: Partial<TelegramLimits>;
}

export interface TelegramLimits {
  perChat: { limit: number; windowMs: number };
  global: { limit: number; windowMs: number };
}

/**
 * "Avoid sending more than one message per second in a particular chat. We may allow short bursts that go
 * over this limit" and "not more than about 30 messages per second" overall.
 * @see https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 * Per chat: 3 per 3 s (about 1/s, with the short burst a reply of several messages needs). Overall: 4 per
 * 200 ms — any second touches at most 6 such windows, so no second sees more than 24 leave, and even sends
 * bunched by network jitter stay under Telegram's ~30/s.
 */
export const DEFAULT_LIMITS: TelegramLimits = {
  perChat: { limit: 3, windowMs: 3000 },
  global: { limit: 4, windowMs: 200 },
};

/** Bot API rule: 1-256 characters, A-Z, a-z, 0-9, _ and -. @see https://core.telegram.org/bots/api#setwebhook */
export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
/** Tokens look like 123456789:AAE…; the part after the colon is ~35 characters. */
export const BOT_TOKEN_PATTERN = /^\d+:[A-Za-z0-9_-]{20,}$/;
/** A secret shorter than this is guessable; Telegram allows up to 256 characters. */
export const MIN_SECRET_LENGTH = 16;

export interface TelegramSettings {
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_MODE: 'webhook' | 'polling';
  TELEGRAM_WEBHOOK_SECRET?: string;
  TELEGRAM_API_ROOT: string;
  TELEGRAM_ALLOW_GROUPS: boolean;
  PUBLIC_URL: string;
  LANGUAGES: string[];
  DEFAULT_LANGUAGE: string;
}

/** Settings → config, or one AppError listing every problem by variable name. Undefined when disabled. */
export function telegramConfigFromSettings(settings: TelegramSettings): TelegramConfig | undefined {
  const token = settings.TELEGRAM_BOT_TOKEN;
  if (!token) return undefined;
  const problems: string[] = [];
  if (!BOT_TOKEN_PATTERN.test(token))
    problems.push('TELEGRAM_BOT_TOKEN: expected the token BotFather gave, like 123456789:AAE…');
  const secret = settings.TELEGRAM_WEBHOOK_SECRET;
  if (settings.TELEGRAM_MODE === 'webhook') {
    if (!secret) problems.push('TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_MODE=webhook');
    else if (!SECRET_TOKEN_PATTERN.test(secret))
      problems.push('TELEGRAM_WEBHOOK_SECRET: use only A-Z, a-z, 0-9, _ and - (at most 256 characters)');
    else if (secret.length < MIN_SECRET_LENGTH)
      problems.push(`TELEGRAM_WEBHOOK_SECRET: use at least ${MIN_SECRET_LENGTH} random characters`);
  }
  if (problems.length > 0) {
    throw new AppError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
  return {
    botToken: token,
    mode: settings.TELEGRAM_MODE,
    ...(secret && { webhookSecret: secret }),
    webhookUrl: `${settings.PUBLIC_URL.replace(/\/+$/, '')}/webhooks/telegram`,
    apiRoot: settings.TELEGRAM_API_ROOT,
    allowGroups: settings.TELEGRAM_ALLOW_GROUPS,
    languages: settings.LANGUAGES,
    defaultLanguage: settings.DEFAULT_LANGUAGE,
  };
}
