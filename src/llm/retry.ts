import { LlmError } from './llm-client.ts';

export interface RetryPolicy {
  /** Longest single attempt. */
  attemptTimeoutMs: number;
  /** Everything, retries and waits included. */
  budgetMs: number;
  /** An attempt shorter than this is not worth starting. */
  minAttemptMs?: number;
  /** First backoff; doubles each retry (with jitter), unless the server sent Retry-After. */
  baseDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails for good, or the budget is spent. Each attempt gets its own abort
 * signal that fires at min(attemptTimeoutMs, what is left), so nothing outlives the budget: the patient is
 * never kept waiting past it. Timeouts, 429 and 5xx are retried; a Retry-After longer than what is left ends
 * the retries at once rather than waiting for nothing.
 */
export async function retryWithinBudget<T>(
  attempt: (signal: AbortSignal, attemptNo: number) => Promise<T>,
  classify: (error: unknown, signal: AbortSignal) => LlmError,
  policy: RetryPolicy,
): Promise<{ value: T; attempts: number }> {
  const now = policy.now ?? performance.now.bind(performance);
  const sleep = policy.sleep ?? defaultSleep;
  const minAttemptMs = policy.minAttemptMs ?? 300;
  const baseDelayMs = policy.baseDelayMs ?? 200;
  const deadline = now() + policy.budgetMs;
  let last: LlmError | undefined;
  for (let attemptNo = 1; ; attemptNo++) {
    const left = deadline - now();
    if (left < minAttemptMs)
      throw last ?? new LlmError('timeout', `no time left for an attempt (${Math.round(left)} ms)`);
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new LlmError('timeout', 'attempt timed out')),
      Math.min(policy.attemptTimeoutMs, left),
    );
    try {
      return { value: await raceAbort(attempt(controller.signal, attemptNo), controller.signal), attempts: attemptNo };
    } catch (error) {
      last = classify(error, controller.signal);
      if (!last.retryable) throw last;
      const backoff = last.retryAfterMs ?? baseDelayMs * 2 ** (attemptNo - 1) * (0.75 + Math.random() * 0.5);
      if (now() + backoff + minAttemptMs > deadline) throw last;
      await sleep(backoff);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Some clients ignore abort signals while connecting: never wait past the signal anyway. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
