import { describe, expect, it } from 'vitest';
import { telegramConfigFromSettings } from '../../../adapters/telegram/config.ts';
import { createApp } from '../../../src/app.ts';
import { parseEnv } from '../../../src/config/env.ts';

const TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('Telegram settings', () => {
  it('is off without a token', () => {
    expect(telegramConfigFromSettings(parseEnv({}))).toBeUndefined();
  });

  it('polls by default and needs nothing else', () => {
    expect(telegramConfigFromSettings(parseEnv({ TELEGRAM_BOT_TOKEN: TOKEN }))).toMatchObject({
      mode: 'polling',
      apiRoot: 'https://api.telegram.org',
      allowGroups: false,
      languages: ['en', 'id'],
    });
  });

  it('derives the webhook address from PUBLIC_URL', () => {
    const config = telegramConfigFromSettings(
      parseEnv({
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_SECRET: 'a_long_random_secret_123',
        PUBLIC_URL: 'https://sehat.myclinic.org/',
      }),
    );
    expect(config?.webhookUrl).toBe('https://sehat.myclinic.org/webhooks/telegram');
  });

  it('refuses to start in webhook mode without a secret, naming the variable', async () => {
    const env = parseEnv({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_MODE: 'webhook', DATABASE_URL: 'sqlite::memory:' });
    expect(() => telegramConfigFromSettings(env)).toThrow(
      /TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_MODE=webhook/,
    );
    await expect(createApp(env)).rejects.toThrow(/TELEGRAM_WEBHOOK_SECRET/);
  });

  it('reports a malformed token or secret by name', () => {
    expect(() => parseEnv({ TELEGRAM_BOT_TOKEN: 'not-a-token', TELEGRAM_WEBHOOK_SECRET: 'short' })).toThrow(
      /TELEGRAM_BOT_TOKEN[\s\S]*TELEGRAM_WEBHOOK_SECRET/,
    );
    expect(() => parseEnv({ TELEGRAM_MODE: 'websocket' })).toThrow(/TELEGRAM_MODE/);
  });
});
