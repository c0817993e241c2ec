/**
 * `sehat serve` for the benchmarks, used only while src/app.ts does not yet wire a channel the benchmark
 * needs: createApp (the product's composition root, unchanged) with the WhatsApp Cloud and/or Telegram adapter
 * passed in as extra channels, configured from the same WHATSAPP_* / TELEGRAM_* settings. Once app.ts wires
 * them, the benchmarks start the real `bin/sehat.js serve` instead (see bench/support/servers.ts).
 */

import { whatsappCloudConfigFromEnv } from '../../adapters/whatsapp-cloud/config.ts';
import { createWhatsappCloudAdapter } from '../../adapters/whatsapp-cloud/index.ts';
import { createApp } from '../../src/app.ts';
import { loadEnv } from '../../src/config/env.ts';
import type { ChannelAdapter } from '../../src/core/types.ts';
import { createMemoryKeyValueState } from '../../src/queue/key-value-state.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';

const env = loadEnv();
const logger = createLogger({ level: env.LOG_LEVEL, logPatientText: false });
const kv = createMemoryKeyValueState();
const extra: ChannelAdapter[] = [];
const wanted = (process.env.BENCH_EXTRA_CHANNELS ?? '').split(',').filter(Boolean);
if (wanted.includes('whatsapp'))
  extra.push(createWhatsappCloudAdapter(whatsappCloudConfigFromEnv(env), { logger, kv, clock: systemClock }));
if (wanted.includes('telegram')) {
  const { createTelegramAdapter } = await import('../../adapters/telegram/index.ts');
  const { telegramConfigFromSettings } = await import('../../adapters/telegram/config.ts');
  const config = telegramConfigFromSettings(env as never);
  if (config)
    extra.push(createTelegramAdapter({ ...config, webhookUrl: `${env.PUBLIC_URL}/webhooks/telegram` }, { logger, kv }));
}
const app = await createApp(env, { logger, extraChannels: extra });
await app.start();
const stop = async () => {
  await app.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
