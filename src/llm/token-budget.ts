import type { KeyValueState } from '../queue/key-value-state.ts';
import { addUsage, type LlmCallRequest, type LlmClient, LlmError, type LlmUsage, ZERO_USAGE } from './llm-client.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Counters outlive their period a little, so the day's and month's totals can still be read afterwards. */
const MONTH_TTL_MS = 62 * DAY_MS;
const CONVERSATION_TTL_MS = 90 * DAY_MS;

/**
 * Token accounting in the shared KeyValueState (in-process, or Redis when several processes share the
 * work): tokens per month (the budget), per day and per conversation. Periods are UTC.
 *
 * The budget is enforced by reservation, not by hindsight: before a call, its worst case (prompt estimate +
 * output limit) is added to the month's counter atomically; a call that would pass the budget is refused
 * (the step falls back to the retrieval answer) and the reservation is given back; after the call the
 * reservation is corrected to the tokens the server reported. So concurrent turns cannot overspend together.
 */
export interface TokenBudget {
  readonly monthlyTokens: number;
  reserve(estimate: number, at: Date): Promise<Reservation | undefined>;
  usage(at: Date, conversationId?: string): Promise<{ month: number; day: number; conversation?: number }>;
}

export interface Reservation {
  /** Replaces the estimate by what the call really cost, and counts it for the day and the conversation. */
  settle(actual: number, conversationId: string): Promise<void>;
}

export function createTokenBudget(kv: KeyValueState, options: { monthlyTokens: number }): TokenBudget {
  const { monthlyTokens } = options;
  const monthKey = (at: Date) => `llm:tokens:month:${at.toISOString().slice(0, 7)}`;
  const dayKey = (at: Date) => `llm:tokens:day:${at.toISOString().slice(0, 10)}`;
  const conversationKey = (id: string) => `llm:tokens:conversation:${id}`;
  return {
    monthlyTokens,
    async reserve(estimate, at) {
      const month = monthKey(at);
      const after = await kv.increment(month, estimate, MONTH_TTL_MS);
      if (monthlyTokens > 0 && after > monthlyTokens) {
        await kv.increment(month, -estimate, MONTH_TTL_MS);
        return undefined;
      }
      return {
        async settle(actual, conversationId) {
          if (actual !== estimate) await kv.increment(month, actual - estimate, MONTH_TTL_MS);
          if (actual > 0) {
            await kv.increment(dayKey(at), actual, MONTH_TTL_MS);
            await kv.increment(conversationKey(conversationId), actual, CONVERSATION_TTL_MS);
          }
        },
      };
    },
    async usage(at, conversationId) {
      const read = async (key: string) => Number((await kv.get(key)) ?? 0);
      return {
        month: await read(monthKey(at)),
        day: await read(dayKey(at)),
        ...(conversationId && { conversation: await read(conversationKey(conversationId)) }),
      };
    },
  };
}

/** Rough prompt size in tokens (~4 characters a token in English, fewer in Indonesian: count 3). */
export function estimateTokens(texts: string[]): number {
  return Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 3);
}

export interface Meter {
  usage: LlmUsage;
  calls: number;
  latencyMs: number;
  models: Set<string>;
}

/**
 * The LlmClient one turn uses: every call reserves from the budget first and is counted for the Decision
 * (tokens, calls, time spent in the model).
 */
export function meteredLlm(
  llm: LlmClient,
  options: { budget: TokenBudget; conversationId: string; at: Date; maxOutputTokens: number },
): { llm: LlmClient; meter: Meter } {
  const meter: Meter = { usage: ZERO_USAGE, calls: 0, latencyMs: 0, models: new Set() };
  const spend = async <R>(estimate: number, run: () => Promise<R & { usage: LlmUsage }>) => {
    const reservation = await options.budget.reserve(estimate, options.at);
    if (!reservation) throw new LlmError('budget_exhausted', 'the monthly token budget is spent');
    meter.calls += 1;
    const started = performance.now();
    try {
      const result = await run();
      meter.usage = addUsage(meter.usage, result.usage);
      await reservation.settle(result.usage.inputTokens + result.usage.outputTokens, options.conversationId);
      return result;
    } catch (error) {
      // A reply that did not validate still cost its tokens; a timed-out call probably cost its prompt.
      const usage = error instanceof LlmError ? error.usage : undefined;
      meter.usage = addUsage(meter.usage, usage);
      const spent = usage
        ? usage.inputTokens + usage.outputTokens
        : error instanceof LlmError && error.kind === 'timeout'
          ? estimate - options.maxOutputTokens
          : 0;
      await reservation.settle(Math.max(0, spent), options.conversationId);
      throw error;
    } finally {
      meter.latencyMs += performance.now() - started;
    }
  };
  return {
    meter,
    llm: {
      enabled: llm.enabled,
      chatModel: llm.chatModel,
      embeddingModel: llm.embeddingModel,
      async complete<T>(request: LlmCallRequest<T>) {
        const estimate =
          estimateTokens([request.prompt.system, request.prompt.user, ...Object.values(request.vars)]) +
          options.maxOutputTokens;
        const result = await spend(estimate, () => llm.complete(request));
        meter.models.add(result.model);
        return result;
      },
      embed(texts, callOptions) {
        return spend(estimateTokens(texts), () => llm.embed(texts, callOptions));
      },
    },
  };
}
