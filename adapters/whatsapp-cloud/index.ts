import { AppError, describeError, toAppError } from '../../src/core/errors.ts';
import type {
  ChannelAdapter,
  ChannelHooks,
  ConversationKey,
  InboundSink,
  OutboundMessage,
  SendResult,
} from '../../src/core/types.ts';
import { postJson, postJsonWithFetch } from '../../src/shared/http-post.ts';
import { newId } from '../../src/shared/ids.ts';
import { createGraphClient, type GraphClient, PAIR_RATE_LIMIT_CODE } from './client.ts';
import type { WhatsappCloudConfig, WhatsappCloudDeps } from './config.ts';
import { type ParsedStatus, parseWebhook } from './parse.ts';
import { type GraphMessage, renderMessage, renderReadReceipt, renderTemplate } from './render.ts';
import { createChannelState, type PendingEntry, sendKey } from './state.ts';
import { verifyHandshake, verifySignature } from './verify.ts';

export type { WhatsappCloudConfig, WhatsappCloudDeps } from './config.ts';

const WINDOW_MS = 24 * 60 * 60 * 1000;
/** Failures that mean the number cannot be reached at all (not on WhatsApp, blocked the business…). */
const UNREACHABLE_CODES = new Set([131026]);

const waIdOf = (key: ConversationKey) => key.slice(key.indexOf(':') + 1);

/**
 * WhatsApp through Meta's Cloud API — the production path. Webhook in (verified, parsed, handed to the sink,
 * answered at once), Graph API out (rendered, paced, errors mapped for the outbox's retries).
 *
 * The 24-hour customer-service window is handled here, as a channel capability: when the core says a send is
 * outside the window, the adapter sends the configured template instead and keeps the free-form messages in
 * the shared KeyValueState; they are delivered as soon as the patient writes again (flushed from the webhook
 * path after the sink accepted the message, and before any later send to that patient, so they arrive first
 * and in order). The core stays platform-agnostic: it only sets `outsideReplyWindow`.
 */
export function createWhatsappCloudAdapter(config: WhatsappCloudConfig, deps: WhatsappCloudDeps): ChannelAdapter {
  const { logger, clock } = deps;
  const now = deps.now ?? Date.now;
  const state = createChannelState(deps.kv, now);
  const client: GraphClient = createGraphClient({
    graphUrl: config.graphUrl,
    phoneNumberId: config.phoneNumberId,
    accessToken: config.accessToken,
    throughputDelayMs: config.throughputDelayMs ?? 1_000,
    pairRateDelayMs: config.pairRateDelayMs ?? 6_000,
    requestTimeoutMs: config.requestTimeoutMs ?? 15_000,
    post: deps.fetch ? postJsonWithFetch(deps.fetch) : postJson,
  });
  const languages = Object.keys(config.templateLanguages);
  let sink: InboundSink | undefined;
  let hooks: ChannelHooks | undefined;
  const background = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const tracked = work.catch(() => {}).finally(() => background.delete(tracked));
    background.add(tracked);
  };

  /** One Graph call, paced: waits out running pauses, and starts one after a rate-limit answer. */
  async function post(to: string, payload: GraphMessage): Promise<string> {
    await state.checkPace(to);
    try {
      return await client.postMessage(payload);
    } catch (error) {
      const appError = toAppError(error, 'send_failed');
      if (appError.code === 'rate_limited') {
        const scope = appError.details?.platformCode === PAIR_RATE_LIMIT_CODE ? 'recipient' : 'global';
        await state.hold(scope, to, Number(appError.details?.retryAfterMs ?? 1_000));
      }
      throw appError;
    }
  }

  /** Sends the payloads of one message in order; a retry after a failure skips those already sent. */
  async function postAll(to: string, payloads: GraphMessage[], progressKey: string): Promise<string[]> {
    const sent = await state.progress(progressKey);
    for (let i = sent.length; i < payloads.length; i++) {
      sent.push(await post(to, payloads[i] as GraphMessage));
      if (i < payloads.length - 1) await state.saveProgress(progressKey, sent);
    }
    await state.saveProgress(progressKey, []);
    return sent;
  }

  async function templateLanguage(key: ConversationKey): Promise<string> {
    const language = await deps.languageOf?.(key).catch(() => undefined);
    return config.templateLanguages[language ?? ''] ?? config.templateLanguages[languages[0] ?? ''] ?? 'en_US';
  }

  /** Outside the window: one template (reused while it is fresh), the free-form text held for later. */
  async function sendOutsideWindow(message: OutboundMessage, to: string, payloads: GraphMessage[]) {
    const templateName = config.templateName;
    if (!templateName)
      throw new AppError('send_permanent', '131047: outside the 24-hour window and WHATSAPP_TEMPLATE_NAME is not set', {
        retryable: false,
        details: { platformCode: 131047 },
      });
    return state.withRecipientLock(to, async () => {
      const pending = await state.pending(to);
      const last = pending.at(-1);
      let templateId = last && now() - last.templateAtMs < WINDOW_MS ? last.templateId : undefined;
      if (!templateId) {
        templateId = await post(to, renderTemplate(to, templateName, await templateLanguage(message.key)));
        logger.info({ channel: 'whatsapp', templateId }, 'outside the 24-hour window: template sent, reply held');
      }
      // The CRM row gets its own ref: the template may announce several held messages, and each row must
      // follow its own text's delivery (see reportStatus).
      const heldRef = `held.${newId()}`;
      pending.push({ templateId, heldRef, templateAtMs: now(), payloads, sentIds: [] });
      await state.savePending(to, pending);
      await state.addHeldRef(templateId, heldRef);
      return { platformMessageIds: [heldRef] };
    });
  }

  /** Delivers held free-form messages (the patient answered, so the window is open again). */
  async function flushPending(to: string): Promise<void> {
    if (!(await state.hasPending(to))) return;
    await state.withRecipientLock(to, async () => {
      const pending = await state.pending(to);
      while (pending.length > 0) {
        const entry = pending[0] as PendingEntry;
        try {
          for (let i = entry.sentIds.length; i < entry.payloads.length; i++) {
            const id = await post(to, entry.payloads[i] as GraphMessage);
            entry.sentIds.push(id);
            await state.alias(id, entry.heldRef);
          }
          logger.info({ channel: 'whatsapp', templateId: entry.templateId }, 'held reply delivered');
        } catch (error) {
          const appError = toAppError(error, 'send_failed');
          if (appError.retryable) {
            await state.savePending(to, pending);
            throw appError;
          }
          logger.error({ channel: 'whatsapp', ...describeError(appError) }, 'held reply could not be delivered');
          await hooks?.deliveryStatus({
            channel: 'whatsapp',
            platformMessageId: entry.heldRef,
            status: 'failed',
            error: appError.message,
            at: clock.now(),
          });
        }
        pending.shift();
        await state.savePending(to, pending);
      }
    });
  }

  async function reportStatus(status: ParsedStatus): Promise<void> {
    if (!hooks) return;
    const report = (platformMessageId: string) =>
      hooks?.deliveryStatus({
        channel: 'whatsapp',
        platformMessageId,
        status: status.status,
        ...(status.error && { error: status.error }),
        at: status.at,
      });
    // A template announcing held messages: only its failure concerns them (delivered/read of the template
    // is not delivery of the held text, which reports its own statuses once sent).
    const held = await state.heldRefs(status.platformMessageId);
    if (held.length > 0) {
      if (status.status === 'failed') for (const ref of held) await report(ref);
    } else await report(await state.resolveAlias(status.platformMessageId));
    if (status.status === 'failed' && status.recipientId && UNREACHABLE_CODES.has(status.errorCode ?? 0))
      await hooks.identityUnreachable('whatsapp', status.recipientId, status.error ?? 'undeliverable');
  }

  async function handlePost(request: Request): Promise<Response> {
    const raw = new Uint8Array(await request.arrayBuffer());
    if (!verifySignature(raw, request.headers.get('x-hub-signature-256'), config.appSecret)) {
      logger.warn({ channel: 'whatsapp', bytes: raw.length }, 'webhook refused: bad or missing X-Hub-Signature-256');
      return new Response('invalid signature', { status: 401 });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return new Response('malformed JSON', { status: 400 });
    }
    const parsed = parseWebhook(payload, { phoneNumberId: config.phoneNumberId, now: clock.now() });
    for (const item of parsed.ignored) logger.debug({ channel: 'whatsapp', ...item }, 'webhook item ignored');
    if (!sink) return new Response('not ready', { status: 503 });
    const accepted: { to: string; id: string }[] = [];
    // Batched entries: each message on its own; a redelivered one is a 'duplicate' and nothing more.
    for (const message of parsed.messages) {
      const outcome = await sink(message);
      if (outcome === 'accepted') accepted.push({ to: message.from.externalId, id: message.id });
    }
    for (const status of parsed.statuses) await reportStatus(status);
    // Debug level: a busy line gets several of these per message (the delivery reports); the engine logs
    // each message once, and failed deliveries are logged as warnings.
    if (parsed.messages.length + parsed.statuses.length > 0)
      logger.debug(
        {
          channel: 'whatsapp',
          messages: parsed.messages.length,
          accepted: accepted.length,
          statuses: parsed.statuses.map((s) => s.status),
        },
        'webhook handled',
      );
    // After the answer: blue ticks, and any held replies now that the patient has written.
    for (const { to, id } of accepted)
      track(
        (async () => {
          await client
            .postMessage(renderReadReceipt(id))
            .catch((error) => logger.debug({ channel: 'whatsapp', ...describeError(error) }, 'read receipt failed'));
          await flushPending(to).catch((error) =>
            logger.warn({ channel: 'whatsapp', ...describeError(error) }, 'held reply flush failed; will retry'),
          );
        })(),
      );
    return new Response('ok', { status: 200 });
  }

  return {
    id: 'whatsapp',
    capabilities: { maxTextLength: 4096, choices: 'list', maxButtons: 3, markdown: 'basic', replyWindowHours: 24 },
    async start(s, h) {
      sink = s;
      hooks = h;
      if (!config.templateName)
        logger.warn(
          { channel: 'whatsapp' },
          'WHATSAPP_TEMPLATE_NAME is not set: replies outside the 24-hour window will fail (and be recorded)',
        );
    },
    async stop() {
      sink = undefined;
      await Promise.allSettled([...background]);
    },
    async handleWebhook(request) {
      try {
        if (request.method === 'GET') {
          const result = verifyHandshake(new URL(request.url).searchParams, config.verifyToken);
          if (!result.ok) logger.warn({ channel: 'whatsapp', status: result.status }, 'webhook handshake refused');
          return result.ok
            ? new Response(result.challenge, { status: 200, headers: { 'content-type': 'text/plain' } })
            : new Response('forbidden', { status: result.status });
        }
        if (request.method !== 'POST') return new Response('method not allowed', { status: 405 });
        return await handlePost(request);
      } catch (error) {
        // The store is down (or worse): 503 so Meta redelivers; the dedupe makes redelivery safe.
        logger.error({ channel: 'whatsapp', ...describeError(error) }, 'webhook not accepted');
        return new Response('unavailable', { status: 503 });
      }
    },
    async send(message, context): Promise<SendResult> {
      const to = waIdOf(message.key);
      const language = await deps.languageOf?.(message.key).catch(() => undefined);
      const payloads = renderMessage(message, { to, ...(language && { language }) });
      if (context?.outsideReplyWindow) return sendOutsideWindow(message, to, payloads);
      // Held replies go first, so the patient reads everything in the order it was written.
      await flushPending(to);
      const ids = await postAll(to, payloads, sendKey(to, message.correlationId, payloads));
      return { platformMessageIds: ids };
    },
    async indicateTyping(_key, on, replyContext) {
      const messageId = (replyContext as { messageId?: string } | undefined)?.messageId;
      // The Cloud API has no "stop typing": the indicator ends with our next message (or after 25 s).
      if (!on || !messageId) return;
      await client.postMessage(renderReadReceipt(messageId, true)).catch(() => {});
    },
  };
}
