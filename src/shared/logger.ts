import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Patient text, phone numbers and raw payloads never reach logs at info level: these keys are redacted
 * unless LOG_PATIENT_TEXT=true *and* the level is debug (see createLogger).
 */
export const PHI_KEYS = [
  'text',
  'raw',
  'body',
  'phone',
  'displayName',
  'name',
  'caption',
  'markdown',
  'summary',
  'comment',
  'password',
  'token',
  'secret',
  'authorization',
];

function redactPaths(): string[] {
  return PHI_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
}

export interface LoggerOptions {
  level?: string;
  /** Only honoured at debug level: lets a developer see message text while debugging locally. */
  logPatientText?: boolean;
  destination?: NodeJS.WritableStream;
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const showText = options.logPatientText === true && (level === 'debug' || level === 'trace');
  return pino(
    {
      level,
      base: { app: 'sehat' },
      redact: showText ? [] : { paths: redactPaths(), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination(1),
  );
}

/** A logger that drops everything: for CLI commands whose stdout is a data stream. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
