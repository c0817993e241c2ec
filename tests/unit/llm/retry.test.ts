import { describe, expect, it } from 'vitest';
import { LlmError } from '../../../src/llm/llm-client.ts';
import { classifyError } from '../../../src/llm/openai-llm.ts';
import { retryWithinBudget } from '../../../src/llm/retry.ts';
import { failureOf } from './support.ts';

const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('retries within the latency budget', () => {
  it('retries a 429 and a 5xx, then returns the success', async () => {
    const errors = [
      Object.assign(new Error('rate'), { status: 429 }),
      Object.assign(new Error('bad gateway'), { status: 502 }),
    ];
    const result = await retryWithinBudget(
      async () => {
        const error = errors.shift();
        if (error) throw error;
        return 'ok';
      },
      classifyError,
      { attemptTimeoutMs: 500, budgetMs: 3000, baseDelayMs: 10 },
    );
    expect(result).toEqual({ value: 'ok', attempts: 3 });
  });

  it('a hanging call is cut at the attempt timeout, retried, and the whole never outlives the budget', async () => {
    let attempts = 0;
    const started = performance.now();
    const failure = await failureOf(
      retryWithinBudget(
        (signal) => {
          attempts += 1;
          return never(signal);
        },
        classifyError,
        { attemptTimeoutMs: 300, budgetMs: 1000, baseDelayMs: 20 },
      ),
    );
    const elapsed = performance.now() - started;
    expect(failure).toBeInstanceOf(LlmError);
    expect((failure as LlmError).kind).toBe('timeout');
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(elapsed).toBeLessThan(1100);
  });

  it('does not retry what cannot succeed (400, invalid output)', async () => {
    let attempts = 0;
    const failure = await failureOf(
      retryWithinBudget(
        async () => {
          attempts += 1;
          throw Object.assign(new Error('bad request'), { status: 400 });
        },
        classifyError,
        { attemptTimeoutMs: 500, budgetMs: 3000 },
      ),
    );
    expect(failure.kind).toBe('rejected');
    expect(attempts).toBe(1);
  });

  it('gives up at once when Retry-After is longer than the time left', async () => {
    const started = performance.now();
    const failure = await failureOf(
      retryWithinBudget(
        async () => {
          throw Object.assign(new Error('rate'), { status: 429, headers: new Headers({ 'retry-after': '20' }) });
        },
        classifyError,
        { attemptTimeoutMs: 500, budgetMs: 2000 },
      ),
    );
    expect(failure).toMatchObject({ kind: 'rate_limited', retryAfterMs: 20_000 });
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('error classification', () => {
  it.each([
    [{ status: 429 }, 'rate_limited'],
    [{ status: 500 }, 'server_error'],
    [{ status: 503 }, 'server_error'],
    [{ status: 408 }, 'timeout'],
    [{ status: 401 }, 'rejected'],
    [{ name: 'TimeoutError', message: 'Request timed out.' }, 'timeout'],
    [{ name: 'APIConnectionError', message: 'Connection error.' }, 'connection'],
    [new SyntaxError('Unexpected token'), 'invalid_output'],
  ])('%o → %s', (error, kind) => {
    expect(classifyError(error).kind).toBe(kind);
  });
});
