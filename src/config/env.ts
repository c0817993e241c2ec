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
