import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphError as mapGraphError } from '../../../adapters/whatsapp-cloud/client.ts';
import { createWhatsappCloudAdapter } from '../../../adapters/whatsapp-cloud/index.ts';
import type { AppError } from '../../../src/core/errors.ts';
import type { ChannelAdapter, OutboundMessage } from '../../../src/core/types.ts';
import { createMemoryKeyValueState } from '../../../src/queue/key-value-state.ts';
import { createManualClock } from '../../../src/shared/clock.ts';
import { createSilentLogger } from '../../../src/shared/logger.ts';
import { type GraphDouble, graphError, startGraphDouble } from '../../support/graph-api-double.ts';

const DELAYS = { throughputDelayMs: 1000, pairRateDelayMs: 6000 };

describe('Graph API errors → what the outbox does', () => {
  it.each([
    [400, 130429, 'rate_limited', true, 1000],
    [400, 4, 'rate_limited', true, 1000],
    [400, 131056, 'rate_limited', true, 6000],
    [500, 131000, 'send_failed', true, undefined],
    [503, undefined, 'send_failed', true, undefined],
    [400, 131016, 'send_failed', true, undefined],
    [400, 131026, 'send_permanent', false, undefined],
    [400, 131047, 'send_permanent', false, undefined],
    [400, 100, 'send_permanent', false, undefined],
    [401, 190, 'send_permanent', false, undefined],
  ])('HTTP %s code %s → %s (retryable %s)', (status, code, appCode, retryable, retryAfterMs) => {
    const error = mapGraphError(status, code === undefined ? {} : { error: { code, message: 'x' } }, null, DELAYS);
    expect(error).toMatchObject({ code: appCode, retryable });
    expect(error.details?.retryAfterMs).toBe(retryAfterMs);
    if (!retryable) expect(error.details?.platformCode).toBe(code ?? status);
  });

  it('honours Retry-After on a plain HTTP 429', () => {
    expect(mapGraphError(429, {}, '7', DELAYS).details?.retryAfterMs).toBe(7000);
  });

  it('names the permanent error for the CRM', () => {
    expect(mapGraphError(400, { error: { code: 131026 } }, null, DELAYS).message).toBe('131026: Message undeliverable');
  });
});

describe('WhatsApp Cloud sends: pacing, retries without repeats', () => {
  let graph: GraphDouble;
  let adapter: ChannelAdapter;
  let nowMs = 1_000_000;
  beforeAll(async () => {
    graph = await startGraphDouble();
    adapter = createWhatsappCloudAdapter(
      {
        phoneNumberId: '106540352242922',
        accessToken: 'token',
        appSecret: 'secret',
        verifyToken: 'verify',
        graphUrl: graph.url,
        templateLanguages: { en: 'en_US' },
      },
      {
        logger: createSilentLogger(),
        kv: createMemoryKeyValueState(),
        clock: createManualClock(),
        now: () => nowMs,
      },
    );
  });
  afterAll(() => graph.close());

  const text = (to: string, markdown = 'Hello'): OutboundMessage => ({
    key: `whatsapp:${to}`,
    sender: { kind: 'bot' },
    parts: [{ kind: 'text', markdown }],
    correlationId: `c-${Math.random()}`,
  });
  const sendError = (message: OutboundMessage) =>
    adapter.send(message).then(
      () => undefined,
      (error: AppError) => error,
    );

  it('pauses only the recipient after a pair rate limit (131056), for the paced time', async () => {
    graph.script(graphError(131056, 'Pair rate limit hit'));
    expect(await sendError(text('62811'))).toMatchObject({
      code: 'rate_limited',
      details: { retryAfterMs: 6000, platformCode: 131056 },
    });
    const attempts = graph.attempts().length;
    // The same patient is held back without another Graph call; another patient is not.
    expect(await sendError(text('62811'))).toMatchObject({ code: 'rate_limited', details: { scope: 'recipient' } });
    expect(graph.attempts()).toHaveLength(attempts);
    expect(await adapter.send(text('62822'))).toMatchObject({
      platformMessageIds: [expect.stringMatching(/^wamid\./)],
    });
    nowMs += 6001;
    expect(await adapter.send(text('62811'))).toMatchObject({ platformMessageIds: [expect.any(String)] });
  });

  it('pauses every send after a throughput limit (130429)', async () => {
    graph.script(graphError(130429, 'Rate limit hit'));
    expect(await sendError(text('62811'))).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 1000 } });
    expect(await sendError(text('62833'))).toMatchObject({ code: 'rate_limited', details: { scope: 'global' } });
    nowMs += 1001;
    expect((await adapter.send(text('62833'))).platformMessageIds).toHaveLength(1);
  });

  it('does not pause or retry permanent errors', async () => {
    graph.script(graphError(131047, 'Re-engagement message'));
    expect(await sendError(text('62844'))).toMatchObject({ code: 'send_permanent', retryable: false });
    expect((await adapter.send(text('62844'))).platformMessageIds).toHaveLength(1);
  });

  it('resumes a multi-part message after the part that failed, without repeating the parts sent', async () => {
    const long = `${'a '.repeat(1500)}\n\n${'b '.repeat(1500)}`;
    const message = text('62855', long);
    graph.script(
      { status: 200, body: { messages: [{ id: 'wamid.PART1' }] } },
      graphError(131000, 'Something went wrong', 500),
    );
    expect(await sendError(message)).toMatchObject({ code: 'send_failed', retryable: true });
    const result = await adapter.send(message);
    expect(result.platformMessageIds[0]).toBe('wamid.PART1');
    const bodies = graph.delivered('62855').map((c) => c.body.text.body.slice(0, 1));
    expect(bodies).toEqual(['a', 'b']);
  });

  it('maps an unreachable Graph API to a retryable failure', async () => {
    const offline = createWhatsappCloudAdapter(
      {
        phoneNumberId: '1',
        accessToken: 't',
        appSecret: 's',
        verifyToken: 'v',
        graphUrl: 'http://127.0.0.1:9/v21.0',
        templateLanguages: {},
      },
      { logger: createSilentLogger(), kv: createMemoryKeyValueState(), clock: createManualClock() },
    );
    await expect(offline.send(text('62866'))).rejects.toMatchObject({ code: 'send_failed', retryable: true });
  });

  it('refuses a send outside the reply window when no template is configured, as a permanent error', async () => {
    await expect(adapter.send(text('62877'), { outsideReplyWindow: true })).rejects.toMatchObject({
      code: 'send_permanent',
      details: { platformCode: 131047 },
    });
  });
});
