/** One error model across the app; the patient never sees these, only a reviewed fallback message. */
export type ErrorCode =
  | 'config_invalid'
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'kb_invalid'
  | 'store_unavailable'
  | 'send_failed'
  | 'send_permanent'
  | 'rate_limited'
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryable =
      options.retryable ?? (code === 'store_unavailable' || code === 'send_failed' || code === 'rate_limited');
  }
}

export function toAppError(error: unknown, fallback: ErrorCode = 'internal'): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(fallback, message, { cause: error });
}

/** For logs: the error's code and message, never the data that caused it. */
export function describeError(error: unknown): { code: ErrorCode; message: string } {
  const appError = toAppError(error);
  return { code: appError.code, message: appError.message };
}
