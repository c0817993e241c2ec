import type { z } from 'zod';
import type { PromptTemplate } from './prompts.ts';

/**
 * The LlmClient port: what the grounded-answer pipeline needs from a language model, and nothing that
 * names an SDK. `openai-llm.ts` implements it with LangChain + the openai SDK; `null-llm.ts` is the default
 * when no key is configured; unit tests plug LangChain's fake chat models into the same LangChain client.
 */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface LlmCallRequest<T> {
  prompt: PromptTemplate;
  /** Values of the prompt's declared variables (data variables carry untrusted patient text, JSON-encoded). */
  vars: Record<string, string>;
  /** The model's JSON output is validated with this schema; anything else is an `invalid_output` error. */
  schema: z.ZodType<T>;
  /** Another model than the client's chat model (e.g. the verifying model). */
  model?: string;
  /**
   * Everything this call may take, retries included. The client retries timeouts, 429 and 5xx only while
   * a further attempt still fits.
   */
  budgetMs: number;
}

export interface LlmCallResult<T> {
  value: T;
  model: string;
  usage: LlmUsage;
  latencyMs: number;
  attempts: number;
}

export interface LlmEmbeddingResult {
  vectors: number[][];
  model: string;
  usage: LlmUsage;
}

export interface LlmClient {
  /** False for NullLlm: the pipeline is not wired at all then. */
  readonly enabled: boolean;
  readonly chatModel: string;
  /** Set when an embeddings model is configured (hybrid retrieval). */
  readonly embeddingModel?: string;
  complete<T>(request: LlmCallRequest<T>): Promise<LlmCallResult<T>>;
  embed(texts: string[], options: { budgetMs: number }): Promise<LlmEmbeddingResult>;
}

export type LlmErrorKind =
  | 'disabled'
  | 'budget_exhausted'
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'connection'
  | 'rejected'
  | 'invalid_output';

/** Every failure of a model call, classified so the step can record why it fell back. Never shown to patients. */
export class LlmError extends Error {
  readonly kind: LlmErrorKind;
  readonly status?: number;
  /** How long the server asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs?: number;
  /** Tokens the failed call still cost (e.g. a reply that did not validate). */
  readonly usage?: LlmUsage;

  constructor(
    kind: LlmErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; usage?: LlmUsage; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'LlmError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.usage = options.usage;
  }

  /** Timeouts, 429 and 5xx (and dropped connections) may succeed on another attempt. */
  get retryable(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'rate_limited' ||
      this.kind === 'server_error' ||
      this.kind === 'connection'
    );
  }
}

export const ZERO_USAGE: LlmUsage = { inputTokens: 0, outputTokens: 0 };

export function addUsage(a: LlmUsage, b: LlmUsage | undefined): LlmUsage {
  return b ? { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens } : a;
}
