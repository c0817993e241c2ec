/**
 * Work to do for one conversation. Jobs of one conversation run one at a time, in order; jobs of different
 * conversations run concurrently. In-process by default; Redis Streams for several processes.
 */
export interface ConversationJob {
  /** CRM id of the accepted inbound message. */
  messageId: string;
  conversationKey: string;
}

export type JobHandler = (job: ConversationJob) => Promise<void>;

export interface JobQueue {
  enqueue(job: ConversationJob): Promise<void>;
  start(handler: JobHandler): void;
  /** Stops taking new jobs and waits (up to deadlineMs) for running ones. */
  stop(deadlineMs?: number): Promise<void>;
  /** Jobs waiting or running. */
  depth(): number;
  /** Resolves when nothing is queued or running (tests, CLI batch mode). */
  idle(): Promise<void>;
  /** Jobs that failed too often and were set aside for an operator (shared queues only). */
  deadLetters?(limit?: number): Promise<DeadLetterSummary[]>;
}

export interface DeadLetterSummary {
  messageId?: string;
  conversationKey?: string;
  error: string;
  attempts: number;
  failedAt: string;
}

export function createInProcessJobQueue(
  options: { onError?: (error: unknown, job: ConversationJob) => void } = {},
): JobQueue {
  const tails = new Map<string, Promise<void>>();
  let handler: JobHandler | undefined;
  let pending = 0;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  const backlog: ConversationJob[] = [];

  const settle = () => {
    if (pending === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const run = (job: ConversationJob) => {
    const work = handler;
    if (!work) return;
    pending += 1;
    const previous = tails.get(job.conversationKey) ?? Promise.resolve();
    const next = previous
      .then(() => work(job))
      .catch((error) => options.onError?.(error, job))
      .finally(() => {
        pending -= 1;
        if (tails.get(job.conversationKey) === next) tails.delete(job.conversationKey);
        settle();
      });
    tails.set(job.conversationKey, next);
  };

  return {
    async enqueue(job) {
      if (stopped) throw new Error('queue is stopped');
      if (handler) run(job);
      else backlog.push(job);
    },
    start(h) {
      handler = h;
      for (const job of backlog.splice(0)) run(job);
    },
    async stop(deadlineMs = 10_000) {
      stopped = true;
      await Promise.race([Promise.all(tails.values()), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
    },
    depth: () => pending + backlog.length,
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}
