import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { describeError } from '../../src/core/errors.ts';
import type { ConsoleRoute } from '../../src/handoff/educator-console.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { parseSlackBody, type SlackEndpoint } from './parse.ts';
import { verifySlackRequest } from './verify.ts';

export const SLACK_PATHS: Record<SlackEndpoint, string> = {
  events: '/slack/events',
  interactivity: '/slack/interactivity',
  commands: '/slack/commands',
};

/**
 * Slack expects an answer within 3 seconds; listeners acknowledge first and work afterwards, so this only
 * bounds a listener that forgot to.  @see https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response
 */
const ACK_TIMEOUT_MS = 2_500;

export interface HttpReceiver extends Receiver {
  routes: ConsoleRoute[];
  /** Waits for listeners still working after their acknowledgement. */
  drain(): Promise<void>;
}

type AckOutcome = { acked: true; response: unknown } | { acked: false; reason: string };

function toResponse(outcome: AckOutcome): Response {
  if (!outcome.acked || outcome.response === undefined || outcome.response === null || outcome.response === '')
    return new Response('', { status: 200 });
  if (typeof outcome.response === 'string')
    return new Response(outcome.response, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return Response.json(outcome.response);
}

/**
 * A bolt Receiver that does not open a port: Sehat's own HTTP server mounts its routes. Each request is
 * verified (signature + 5-minute window, see verify.ts) and parsed before bolt sees it, then handed to
 * `app.processEvent` with an `ack` that completes the HTTP response; the listener's remaining work goes on
 * in the background. Never throws: 401 bad/missing/stale signature, 400 malformed, 200 otherwise.
 * @see https://docs.slack.dev/tools/bolt-js/concepts/receiver
 */
export function createHttpReceiver(options: {
  signingSecret: string;
  logger: Logger;
  /** Wall-clock milliseconds (Slack's timestamps are real time). */
  now?: () => number;
  ackTimeoutMs?: number;
}): HttpReceiver {
  const { logger } = options;
  const now = options.now ?? Date.now;
  let app: App | undefined;
  const inflight = new Set<Promise<unknown>>();

  async function handle(endpoint: SlackEndpoint, request: Request): Promise<Response> {
    let rawBody: string;
    try {
      rawBody = await request.text();
    } catch {
      return new Response('unreadable body', { status: 400 });
    }
    const verified = verifySlackRequest({
      signingSecret: options.signingSecret,
      timestamp: request.headers.get('x-slack-request-timestamp'),
      signature: request.headers.get('x-slack-signature'),
      rawBody,
      nowMs: now(),
    });
    if (!verified.ok) {
      logger.warn({ endpoint, reason: verified.reason }, 'Slack request rejected');
      return new Response('invalid signature', { status: 401 });
    }
    const parsed = parseSlackBody(endpoint, rawBody);
    if (parsed.kind === 'malformed') {
      logger.warn({ endpoint, reason: parsed.reason }, 'malformed Slack request');
      return new Response('malformed request', { status: 400 });
    }
    if (parsed.kind === 'url_verification') return Response.json({ challenge: parsed.challenge });
    if (parsed.kind === 'ssl_check') return new Response('', { status: 200 });
    if (!app) return new Response('not started', { status: 503 });

    let settle: (outcome: AckOutcome) => void = () => {};
    const outcome = new Promise<AckOutcome>((resolve) => {
      settle = resolve;
    });
    let acked = false;
    const retryNum = Number(request.headers.get('x-slack-retry-num') ?? '') || undefined;
    const event: ReceiverEvent = {
      body: parsed.body,
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        settle({ acked: true, response });
      },
      ...(retryNum !== undefined && { retryNum }),
      ...(request.headers.get('x-slack-retry-reason') && {
        retryReason: request.headers.get('x-slack-retry-reason') as string,
      }),
    };
    const work = app
      .processEvent(event)
      .catch((error) => logger.error({ endpoint, ...describeError(error) }, 'Slack listener failed'))
      .finally(() => {
        settle({ acked: false, reason: 'no listener acknowledged' });
        inflight.delete(work);
      });
    inflight.add(work);
    const timer = setTimeout(
      () => settle({ acked: false, reason: 'acknowledgement timed out' }),
      options.ackTimeoutMs ?? ACK_TIMEOUT_MS,
    );
    const result = await outcome;
    clearTimeout(timer);
    if (!result.acked) logger.debug({ endpoint, reason: result.reason }, 'Slack request answered without ack');
    return toResponse(result);
  }

  const route = (endpoint: SlackEndpoint): ConsoleRoute => ({
    method: 'POST',
    path: SLACK_PATHS[endpoint],
    handle: async (request) => {
      try {
        return await handle(endpoint, request);
      } catch (error) {
        logger.error({ endpoint, ...describeError(error) }, 'Slack request failed');
        return new Response('error', { status: 500 });
      }
    },
  });

  return {
    routes: [route('events'), route('interactivity'), route('commands')],
    init(bolt: App) {
      app = bolt;
    },
    async start() {},
    async stop() {
      app = undefined;
    },
    async drain() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}
