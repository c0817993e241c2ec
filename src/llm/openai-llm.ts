import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { z } from 'zod';
import {
  type LlmCallRequest,
  type LlmCallResult,
  type LlmClient,
  type LlmEmbeddingResult,
  LlmError,
  type LlmUsage,
  ZERO_USAGE,
} from './llm-client.ts';
import { checkVars, type PromptTemplate } from './prompts.ts';
import { retryWithinBudget } from './retry.ts';

/**
 * How the model is told to answer in JSON:
 * - json_schema: OpenAI structured outputs (`response_format: json_schema`, strict) — also vLLM and Ollama;
 * - json_object: `response_format: json_object`, for servers without JSON-schema support;
 * - prompt: nothing but the prompt's own instructions (any server).
 * Whatever the mode, the reply is validated with the step's zod schema.
 */
export type ResponseFormatMode = 'json_schema' | 'json_object' | 'prompt';

export interface LangChainLlmOptions {
  chatModel: string;
  /** The LangChain chat model for a model name (tests pass LangChain's fake chat models). */
  chat: (model: string) => BaseChatModel;
  responseFormat: ResponseFormatMode;
  attemptTimeoutMs: number;
  embeddings?: {
    model: string;
    run(texts: string[], signal: AbortSignal): Promise<{ vectors: number[][]; usage: LlmUsage }>;
  };
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The LlmClient over any LangChain chat model: mustache prompt templates in, zod-validated JSON out. */
export function createLangChainLlm(options: LangChainLlmOptions): LlmClient {
  const models = new Map<string, BaseChatModel>();
  const templates = new Map<PromptTemplate, ChatPromptTemplate>();
  const modelFor = (name: string) => {
    let model = models.get(name);
    if (!model) {
      model = options.chat(name);
      models.set(name, model);
    }
    return model;
  };
  const templateFor = (prompt: PromptTemplate) => {
    let template = templates.get(prompt);
    if (!template) {
      template = ChatPromptTemplate.fromMessages(
        [
          ['system', prompt.system],
          ['human', prompt.user],
        ],
        { templateFormat: 'mustache' },
      );
      templates.set(prompt, template);
    }
    return template;
  };
  const policy = (budgetMs: number) => ({
    attemptTimeoutMs: options.attemptTimeoutMs,
    budgetMs,
    now: options.now,
    sleep: options.sleep,
  });

  return {
    enabled: true,
    chatModel: options.chatModel,
    embeddingModel: options.embeddings?.model,
    async complete<T>(request: LlmCallRequest<T>): Promise<LlmCallResult<T>> {
      checkVars(request.prompt, request.vars);
      const modelName = request.model ?? options.chatModel;
      const model = modelFor(modelName);
      const messages: BaseMessage[] = await templateFor(request.prompt).formatMessages(request.vars);
      const responseFormat = responseFormatFor(options.responseFormat, request.prompt.id, request.schema);
      const started = performance.now();
      const { value: message, attempts } = await retryWithinBudget(
        (signal) =>
          model.invoke(messages, {
            signal,
            ...(responseFormat && { response_format: responseFormat }),
          } as Parameters<BaseChatModel['invoke']>[1]),
        classifyError,
        policy(request.budgetMs),
      );
      const usage: LlmUsage = {
        inputTokens: message.usage_metadata?.input_tokens ?? 0,
        outputTokens: message.usage_metadata?.output_tokens ?? 0,
      };
      const value = parseJson(message.content, request.schema, usage);
      return { value, model: modelName, usage, latencyMs: Math.round(performance.now() - started), attempts };
    },
    async embed(texts, { budgetMs }): Promise<LlmEmbeddingResult> {
      const embeddings = options.embeddings;
      if (!embeddings) throw new LlmError('disabled', 'no embeddings model is configured');
      const { value } = await retryWithinBudget(
        (signal) => embeddings.run(texts, signal),
        classifyError,
        policy(budgetMs),
      );
      return { ...value, model: embeddings.model };
    },
  };
}

function responseFormatFor(mode: ResponseFormatMode, name: string, schema: z.ZodType): object | undefined {
  if (mode === 'json_object') return { type: 'json_object' };
  if (mode === 'prompt') return undefined;
  return {
    type: 'json_schema',
    json_schema: { name: `sehat_${name}`, strict: true, schema: z.toJSONSchema(schema, { target: 'draft-7' }) },
  };
}

/** The model's text → JSON → the step's schema. Code fences and chatter around the object are tolerated. */
export function parseJson<T>(content: unknown, schema: z.ZodType<T>, usage: LlmUsage = ZERO_USAGE): T {
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((c) => (typeof c === 'string' ? c : ((c as { text?: string }).text ?? ''))).join('')
        : '';
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let json: unknown;
  try {
    json = JSON.parse(start >= 0 && end > start ? text.slice(start, end + 1) : text);
  } catch {
    throw new LlmError('invalid_output', 'the model did not reply with JSON', { usage });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new LlmError('invalid_output', `the model's JSON does not fit: ${parsed.error.issues[0]?.message}`, {
      usage,
    });
  return parsed.data;
}

/** SDK and LangChain errors → LlmError (status codes survive LangChain's wrapping). */
export function classifyError(error: unknown, signal?: AbortSignal): LlmError {
  if (error instanceof LlmError) return error;
  if (signal?.aborted) {
    const reason = signal.reason;
    return reason instanceof LlmError ? reason : new LlmError('timeout', 'attempt timed out', { cause: error });
  }
  const e = (error ?? {}) as { status?: unknown; name?: unknown; message?: unknown; headers?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === 429)
    return new LlmError('rate_limited', 'the model server is rate limiting (429)', {
      status,
      retryAfterMs: retryAfterMs(e.headers),
      cause: error,
    });
  if (status === 408) return new LlmError('timeout', 'the model server timed out (408)', { status, cause: error });
  if (status !== undefined && status >= 500)
    return new LlmError('server_error', `the model server failed (${status})`, { status, cause: error });
  if (status !== undefined)
    return new LlmError('rejected', `the model server refused the request (${status})`, { status, cause: error });
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'TimeoutError' || name === 'APIConnectionTimeoutError' || /timed? ?out/i.test(message))
    return new LlmError('timeout', 'the model call timed out', { cause: error });
  if (error instanceof SyntaxError || /JSON/.test(message))
    return new LlmError('invalid_output', 'the model did not reply with JSON', { cause: error });
  if (
    name === 'APIConnectionError' ||
    /ECONNREFUSED|ECONNRESET|fetch failed|socket|network|Connection error/i.test(`${message} ${String(e.code)}`)
  )
    return new LlmError('connection', 'could not reach the model server', { cause: error });
  return new LlmError('rejected', `the model call failed: ${name || 'error'}`, { cause: error });
}

function retryAfterMs(headers: unknown): number | undefined {
  const get = (key: string): string | null | undefined =>
    headers instanceof Headers ? headers.get(key) : (headers as Record<string, string> | undefined)?.[key];
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

export interface OpenAiLlmSettings {
  apiKey: string;
  /** Any OpenAI-compatible server (vLLM, Ollama, LiteLLM, Azure-compatible gateways); empty = api.openai.com. */
  baseUrl?: string;
  chatModel: string;
  embeddingModel?: string;
  responseFormat: ResponseFormatMode;
  attemptTimeoutMs: number;
  maxOutputTokens: number;
}

/**
 * The production LlmClient: LangChain's ChatOpenAI (chat completions, no streaming, temperature 0) and the
 * openai SDK's embeddings endpoint, both pointed at OPENAI_BASE_URL. Retries are ours (retry.ts), so the
 * SDK's and LangChain's own are off: they do not know the patient's latency budget.
 *
 * Streaming stays off on purpose: with it, LangChain estimates token counts with tiktoken, whose encodings
 * it downloads at run time; without it, the server's own usage figures are used.
 */
export function createOpenAiLlm(settings: OpenAiLlmSettings): LlmClient {
  const configuration = { baseURL: settings.baseUrl || undefined };
  const sdk = new OpenAI({
    apiKey: settings.apiKey,
    baseURL: configuration.baseURL,
    maxRetries: 0,
    timeout: settings.attemptTimeoutMs,
  });
  const embeddingModel = settings.embeddingModel;
  return createLangChainLlm({
    chatModel: settings.chatModel,
    responseFormat: settings.responseFormat,
    attemptTimeoutMs: settings.attemptTimeoutMs,
    chat: (model) =>
      new ChatOpenAI({
        model,
        apiKey: settings.apiKey,
        configuration,
        temperature: 0,
        maxTokens: settings.maxOutputTokens,
        maxRetries: 0,
        timeout: settings.attemptTimeoutMs,
        streaming: false,
        useResponsesApi: false,
      }),
    embeddings: embeddingModel
      ? {
          model: embeddingModel,
          async run(texts, signal) {
            const response = await sdk.embeddings.create(
              { model: embeddingModel, input: texts, encoding_format: 'float' },
              { signal },
            );
            const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
            return { vectors, usage: { inputTokens: response.usage?.prompt_tokens ?? 0, outputTokens: 0 } };
          },
        }
      : undefined,
  });
}
