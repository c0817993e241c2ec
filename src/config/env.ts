import { existsSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';

/**
 * The only module that reads process.env. Every setting is listed in .env.example (a test checks that the
 * two agree); every problem is reported at once, naming the variable.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const fraction = z.coerce.number().min(0).max(1);

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite: or postgres://')
    .default('sqlite:./data/sehat.db'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]*$/)
    .default('sehat:'),
  WORKER_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(16),
  KNOWLEDGE_DIR: z.string().default('./knowledge'),
  KB_HOT_RELOAD: bool.default(true),
  LANGUAGES: list.default(['en', 'id']),
  DEFAULT_LANGUAGE: z.string().min(2).default('en'),
  DEPLOYMENT_COUNTRY: z.enum(['ID', 'MY', 'BN']).optional(),
  ANSWER_MIN_CONFIDENCE: fraction.default(0.35),
  CLARIFY_MARGIN: fraction.default(0.12),
  WEBCHAT_ENABLED: bool.default(true),
  WEBCHAT_ALLOWED_ORIGINS: list.default([]),
  WEBCHAT_MAX_TEXT_LENGTH: z.coerce.number().int().min(100).max(20000).default(2000),
  INBOUND_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  EDUCATOR_HOURS: z.string().default('mon-fri 08:00-16:00'),
  TIMEZONE: z.string().default('Asia/Jakarta'),
  HOLIDAYS: list.pipe(z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'holidays are YYYY-MM-DD dates'))).default([]),
  HANDOFF_SLA_MINUTES: z
    .string()
    .regex(/^urgent:\d+,high:\d+,normal:\d+$/, 'write it as urgent:5,high:15,normal:60')
    .transform(
      (v) =>
        Object.fromEntries(v.split(',').map((p) => [p.split(':')[0], Number(p.split(':')[1])])) as Record<
          'urgent' | 'high' | 'normal',
          number
        >,
    )
    .default({ urgent: 5, high: 15, normal: 60 }),
  AVERAGE_HANDLING_MINUTES: z.coerce.number().min(1).max(240).default(5),
  SLA_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  ESCALATION_CONTACT: z.string().default(''),
  // --- Channels and consoles: one group of settings per platform (keep them together, prefixed). ---
  // WhatsApp (adapters/whatsapp-cloud, adapters/whatsapp-web); what cloud mode requires is checked in
  // adapters/whatsapp-cloud/config.ts at start-up, naming each missing variable.
  WHATSAPP_MODE: z.enum(['off', 'cloud', 'web']).default('off'),
  WHATSAPP_PHONE_NUMBER_ID: z.string().regex(/^\d+$/, 'must be the numeric phone number id, not the number').optional(),
  WHATSAPP_ACCESS_TOKEN: z.string().optional(),
  WHATSAPP_APP_SECRET: z.string().optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().optional(),
  WHATSAPP_GRAPH_URL: z.url().default('https://graph.facebook.com/v21.0'),
  WHATSAPP_TEMPLATE_NAME: z
    .string()
    .regex(/^[a-z0-9_]+$/, 'template names are lower case letters, digits and _')
    .optional(),
  WHATSAPP_TEMPLATE_LANGUAGES: z
    .string()
    .regex(/^[a-z]{2,3}:[A-Za-z_]+(,\s*[a-z]{2,3}:[A-Za-z_]+)*$/, 'write it as en:en_US,id:id')
    .transform((v) =>
      Object.fromEntries(v.split(',').map((pair) => pair.split(':').map((s) => s.trim()) as [string, string])),
    )
    .default({ en: 'en_US', id: 'id' }),
  WHATSAPP_WEB_SESSION_DIR: z.string().default('./data/whatsapp-web'),
  WHATSAPP_WEB_CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  // Telegram (adapters/telegram): on when TELEGRAM_BOT_TOKEN is set; what webhook mode requires is checked
  // in adapters/telegram/config.ts at start-up, naming each missing variable.
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must be the token from @BotFather, like 123456789:AAE…')
    .optional(),
  TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('polling'),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'use 16-256 characters from A-Z, a-z, 0-9, _ and -')
    .optional(),
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  TELEGRAM_ALLOW_GROUPS: bool.default(false),
  // Slack educator console (adapters/slack); required-together checks are in adapters/slack/config.ts.
  SLACK_ENABLED: bool.default(false),
  SLACK_MODE: z.enum(['socket', 'http']).default('http'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, 'must be a bot token starting with xoxb-')
    .optional(),
  SLACK_SIGNING_SECRET: z
    .string()
    .regex(/^\S{16,}$/, 'must be the signing secret from Basic Information → App Credentials')
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
    .optional(),
  SLACK_CHANNEL_ID: z
    .string()
    .regex(/^[CG][A-Z0-9]{6,}$/, 'must be a channel id like C0123ABCDEF (not a #name)')
    .optional(),
  SLACK_ONCALL_MENTION: z.string().default(''),
  SLACK_NOTE_PREFIX: z.string().min(1).max(10).default('//'),
  SLACK_SHOW_EDUCATOR_NAME: bool.default(true),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  SLACK_SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  // Bot Framework: Microsoft Teams, Azure Web Chat / Direct Line, the Emulator (adapters/botframework);
  // credentials that belong together are checked in adapters/botframework/config.ts at start-up.
  BOTFRAMEWORK_ENABLED: bool.default(false),
  BOTFRAMEWORK_APP_ID: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be the Microsoft App ID (a GUID)')
    .optional(),
  BOTFRAMEWORK_APP_PASSWORD: z.string().optional(),
  BOTFRAMEWORK_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  BOTFRAMEWORK_TENANT_ID: z.string().optional(),
  BOTFRAMEWORK_CERTIFICATE_THUMBPRINT: z
    .string()
    .regex(/^[0-9a-f]{40}$/i, 'must be the certificate SHA-1 thumbprint (40 hex digits)')
    .optional(),
  BOTFRAMEWORK_CERTIFICATE_KEY_FILE: z.string().optional(),

  // --- LLM: grounded answers (src/llm). No OPENAI_API_KEY = no LLM; the retrieval answer serves everything. ---
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  LLM_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_VERIFY_MODEL: z.string().optional(),
  LLM_EMBEDDING_MODEL: z.string().optional(),
  LLM_EMBEDDINGS_CACHE_DIR: z.string().default('./data/embeddings'),
  LLM_RESPONSE_FORMAT: z.enum(['json_schema', 'json_object', 'prompt']).default('json_schema'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(200).max(60_000).default(4000),
  LLM_MAX_WAIT_MS: z.coerce.number().int().min(500).max(60_000).default(8000),
  LLM_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(50).max(8000).default(500),
  LLM_ANSWER_MAX_WORDS: z.coerce.number().int().min(20).max(400).default(80),
  LLM_MONTHLY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(2_000_000),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PATIENT_TEXT: bool.default(false),
});

export type Env = z.infer<typeof envSchema>;

export const ENV_KEYS = Object.keys(envSchema.shape) as (keyof Env)[];

/** Parses an environment; throws one AppError listing every invalid variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const present: Record<string, string> = {};
  for (const key of ENV_KEYS) {
    const value = source[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = envSchema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new AppError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
    details: { problems },
  });
}

/** Reads `.env` (if present) into process.env without overriding what is already set, then parses. */
export function loadEnv(envFile = '.env'): Env {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseEnv(process.env);
}
