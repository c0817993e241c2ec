import { AppError } from '../../src/core/errors.ts';
import type { ConversationKey } from '../../src/core/types.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';

/** Typed settings of the WhatsApp Cloud API channel (from WHATSAPP_* in src/config/env.ts). */
export interface WhatsappCloudConfig {
  /** The business phone number's id (not the number itself): messages are sent from it. */
  phoneNumberId: string;
  /** System-user access token with whatsapp_business_messaging permission. */
  accessToken: string;
  /** The Meta app's secret: every webhook POST is signed with it (X-Hub-Signature-256). */
  appSecret: string;
  /** The token typed into the app dashboard when subscribing the webhook (the GET handshake). */
  verifyToken: string;
  /** Graph API base URL including the version, e.g. https://graph.facebook.com/v21.0 (tests: a local double). */
  graphUrl: string;
  /** Pre-approved template sent outside the 24-hour window; empty = such sends fail and are recorded. */
  templateName?: string;
  /** Sehat language → template language code, e.g. { en: 'en_US', id: 'id' }; the first entry is the fallback. */
  templateLanguages: Record<string, string>;
  /** How long a recipient is paused after a pair rate limit (131056). Meta allows about 1 message / 6 s. */
  pairRateDelayMs?: number;
  /** How long every send waits after a throughput limit (130429) when Graph gives no Retry-After. */
  throughputDelayMs?: number;
  /** Time allowed for one Graph API call. */
  requestTimeoutMs?: number;
}

export interface WhatsappCloudDeps {
  logger: Logger;
  /** Shared state (Redis with several processes): pacing marks, pending free-form text, send progress. */
  kv: KeyValueState;
  clock: Clock;
  /** The conversation's language, to pick the template language and the list button's label. */
  languageOf?: (key: ConversationKey) => Promise<string | undefined>;
  /** Real time for pacing (Meta's limits run on wall-clock time, not the business clock). */
  now?: () => number;
  fetch?: typeof fetch;
}

/** "en:en_US,id:id" → { en: 'en_US', id: 'id' }. */
export function parseTemplateLanguages(value: string): Record<string, string> {
  const entries = value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => pair.split(':').map((s) => s.trim()) as [string, string]);
  return Object.fromEntries(entries);
}

export interface WhatsappEnvSlice {
  WHATSAPP_PHONE_NUMBER_ID?: string;
  WHATSAPP_ACCESS_TOKEN?: string;
  WHATSAPP_APP_SECRET?: string;
  WHATSAPP_VERIFY_TOKEN?: string;
  WHATSAPP_GRAPH_URL: string;
  WHATSAPP_TEMPLATE_NAME?: string;
  WHATSAPP_TEMPLATE_LANGUAGES: Record<string, string>;
}

/** The Cloud API config from the environment; names every missing variable (start-up fails clearly). */
export function whatsappCloudConfigFromEnv(env: WhatsappEnvSlice): WhatsappCloudConfig {
  const required = [
    'WHATSAPP_PHONE_NUMBER_ID',
    'WHATSAPP_ACCESS_TOKEN',
    'WHATSAPP_APP_SECRET',
    'WHATSAPP_VERIFY_TOKEN',
  ] as const;
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0)
    throw new AppError(
      'config_invalid',
      `Invalid configuration:\n  - ${missing.map((m) => `${m}: required when WHATSAPP_MODE=cloud`).join('\n  - ')}`,
      { details: { problems: missing } },
    );
  return {
    phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID as string,
    accessToken: env.WHATSAPP_ACCESS_TOKEN as string,
    appSecret: env.WHATSAPP_APP_SECRET as string,
    verifyToken: env.WHATSAPP_VERIFY_TOKEN as string,
    graphUrl: env.WHATSAPP_GRAPH_URL.replace(/\/+$/, ''),
    templateName: env.WHATSAPP_TEMPLATE_NAME || undefined,
    templateLanguages: env.WHATSAPP_TEMPLATE_LANGUAGES,
  };
}
