import { createHash } from 'node:crypto';
import { AppError, describeError } from '../../src/core/errors.ts';
import type { ChannelAdapter, ConversationKey, InboundSink, SendResult } from '../../src/core/types.ts';
import type { WebMessage, WhatsappWebClient } from './client.ts';
import type { WhatsappWebConfig, WhatsappWebDeps } from './config.ts';
import { type NumberedChoice, parseWebMessage, resolveNumberedReply } from './parse.ts';
import { MAX_TEXT_LENGTH, renderWebMessage } from './render.ts';

export type { WebMessage, WhatsappWebClient, WhatsappWebClientFactory } from './client.ts';
export { printQrInTerminal, wwebjsClientFactory } from './client.ts';
export type { WhatsappWebConfig, WhatsappWebDeps } from './config.ts';

export type WebLoginState = 'starting' | 'qr' | 'authenticated' | 'ready' | 'disconnected' | 'stopped';

export interface WhatsappWebAdapter extends ChannelAdapter {
  /** For the educator console: the connection state and, while a scan is needed, the QR code's data string. */
  loginState(): { state: WebLoginState; qr?: string; qrAt?: string };
}

const CHOICES_TTL_MS = 24 * 60 * 60 * 1000;
const hashOf = (number: string) => createHash('sha256').update(number).digest('hex').slice(0, 24);
const choicesKey = (number: string) => `whatsapp-web:choices:${hashOf(number)}`;
const numberOf = (key: ConversationKey) => key.slice(key.indexOf(':') + 1);

/**
 * WhatsApp through whatsapp-web.js — an UNOFFICIAL client for pilots without a Business account (the Cloud
 * API adapter is the production path). A connection-style adapter: start() opens the session (QR scan the
 * first time, then LocalAuth's saved session), stop() closes it, a disconnect reconnects with backoff.
 * Same logical channel and identity as the Cloud API: `whatsapp:<number>`.
 */
export function createWhatsappWebAdapter(config: WhatsappWebConfig, deps: WhatsappWebDeps): WhatsappWebAdapter {
  const { logger, kv, clock } = deps;
  const baseDelayMs = config.reconnectDelayMs ?? 5_000;
  const maxDelayMs = config.maxReconnectDelayMs ?? 5 * 60_000;
  let client: WhatsappWebClient | undefined;
  let sink: InboundSink | undefined;
  let state: WebLoginState = 'stopped';
  let qr: { data: string; at: Date } | undefined;
  let stopping = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  // Messages are handed to the sink one at a time, in the order WhatsApp Web emitted them.
  let inbound: Promise<void> = Promise.resolve();

  const setState = (next: WebLoginState, message: string, extra: Record<string, unknown> = {}) => {
    state = next;
    logger.info({ channel: 'whatsapp', mode: 'web', state: next, ...extra }, message);
  };

  async function connect(): Promise<void> {
    if (stopping) return;
    setState('starting', 'WhatsApp Web: starting the browser session');
    const current = await deps.createClient();
    client = current;
    current.on('qr', (data) => {
      qr = { data, at: clock.now() };
      setState('qr', 'WhatsApp Web: QR code needed — scan it with the clinic phone (WhatsApp → Linked devices)');
      deps.printQr?.(data);
    });
    current.on('authenticated', () => {
      qr = undefined;
      setState('authenticated', 'WhatsApp Web: authenticated (session saved)');
    });
    current.on('auth_failure', (reason) => {
      logger.error({ channel: 'whatsapp', mode: 'web', reason }, 'WhatsApp Web: authentication failed');
    });
    current.on('ready', () => {
      attempt = 0;
      qr = undefined;
      setState('ready', 'WhatsApp Web: ready — receiving messages');
    });
    current.on('disconnected', (reason) => {
      if (client !== current) return;
      setState('disconnected', 'WhatsApp Web: disconnected', { reason: String(reason) });
      client = undefined;
      current.destroy().catch(() => {});
      scheduleReconnect();
    });
    current.on('message', (msg) => {
      inbound = inbound.then(() => onMessage(current, msg)).catch(() => {});
    });
    // Not awaited: the QR scan may take minutes and the server must keep serving meanwhile.
    current.initialize().catch((error) => {
      if (client !== current) return;
      logger.error({ channel: 'whatsapp', mode: 'web', ...describeError(error) }, 'WhatsApp Web: start failed');
      client = undefined;
      current.destroy().catch(() => {});
      setState('disconnected', 'WhatsApp Web: disconnected', { reason: 'start failed' });
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (stopping) return;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    attempt += 1;
    logger.info({ channel: 'whatsapp', mode: 'web', delayMs: delay, attempt }, 'WhatsApp Web: reconnecting');
    reconnectTimer = setTimeout(() => {
      connect().catch((error) => {
        logger.error({ channel: 'whatsapp', mode: 'web', ...describeError(error) }, 'WhatsApp Web: reconnect failed');
        scheduleReconnect();
      });
    }, delay);
    reconnectTimer.unref();
  }

  async function onMessage(from: WhatsappWebClient, msg: WebMessage): Promise<void> {
    let phone: string | undefined;
    if (typeof msg?.from === 'string' && msg.from.endsWith('@lid'))
      phone = await msg
        .getContact?.()
        .then((c) => c.number)
        .catch(() => undefined);
    const parsed = parseWebMessage(msg, { now: clock.now(), ...(phone && { phone }) });
    if ('ignored' in parsed) {
      logger.debug({ channel: 'whatsapp', mode: 'web', reason: parsed.ignored }, 'message ignored');
      return;
    }
    const number = parsed.message.from.externalId;
    const choices = JSON.parse((await kv.get(choicesKey(number))) ?? '[]') as NumberedChoice[];
    const message = resolveNumberedReply(parsed.message, choices);
    if (!sink) return;
    // No redelivery on this path (unlike a webhook): try a few times before giving up on a message.
    for (let i = 1; ; i++) {
      try {
        const outcome = await sink(message);
        if (outcome === 'accepted') await from.sendSeen(msg.from).catch(() => {});
        return;
      } catch (error) {
        if (i >= 3) {
          // The serialized id embeds the chat id (a phone number): only its message part is logged.
          logger.error(
            { channel: 'whatsapp', mode: 'web', id: message.id.split('_').at(-1), ...describeError(error) },
            'message lost',
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * i));
      }
    }
  }

  return {
    id: 'whatsapp',
    // No reply window on this path; numbered choices (up to 10 per message) stand in for buttons.
    capabilities: { maxTextLength: MAX_TEXT_LENGTH, choices: 'numbered-text', maxButtons: 10, markdown: 'basic' },
    async start(s) {
      sink = s;
      stopping = false;
      await connect();
    },
    async stop() {
      stopping = true;
      clearTimeout(reconnectTimer);
      const current = client;
      client = undefined;
      sink = undefined;
      await inbound;
      await current?.destroy().catch(() => {});
      setState('stopped', 'WhatsApp Web: stopped');
    },
    async send(message, context): Promise<SendResult> {
      const current = client;
      if (!current || state !== 'ready')
        throw new AppError('send_failed', `WhatsApp Web is not connected (${state})`, { retryable: true });
      const number = numberOf(message.key);
      const chatId = (context?.replyContext as { chatId?: string } | undefined)?.chatId ?? `${number}@c.us`;
      const { texts, choices } = renderWebMessage(message);
      // A retry after a failure part-way resumes after the texts already sent (no repeats for the patient).
      const progressKey = `whatsapp-web:progress:${hashOf(`${number}\n${message.correlationId}\n${texts.join('\n')}`)}`;
      const ids = JSON.parse((await kv.get(progressKey)) ?? '[]') as string[];
      for (let i = ids.length; i < texts.length; i++) {
        if (i > 0 && config.sendGapMs) await new Promise((r) => setTimeout(r, config.sendGapMs));
        try {
          ids.push((await current.sendMessage(chatId, texts[i] as string)).id._serialized);
          await kv.delete(progressKey);
          if (i < texts.length - 1) await kv.setIfAbsent(progressKey, JSON.stringify(ids), 60 * 60_000);
        } catch (error) {
          const detail = (error as Error).message ?? String(error);
          const permanent = /not (a )?registered|invalid wid|no lid/i.test(detail);
          throw new AppError(permanent ? 'send_permanent' : 'send_failed', `WhatsApp Web send failed: ${detail}`, {
            retryable: !permanent,
            cause: error,
            details: { sent: ids.length },
          });
        }
      }
      // The numbers of the latest list are what a reply of "1" means; a message without choices clears them.
      if (choices.length > 0) {
        await kv.delete(choicesKey(number));
        await kv.setIfAbsent(choicesKey(number), JSON.stringify(choices), CHOICES_TTL_MS);
      } else await kv.delete(choicesKey(number));
      return { platformMessageIds: ids };
    },
    async indicateTyping(key, on, replyContext) {
      if (!on || !client || state !== 'ready') return;
      const chatId = (replyContext as { chatId?: string } | undefined)?.chatId ?? `${numberOf(key)}@c.us`;
      await client.sendTyping(chatId).catch(() => {});
    },
    loginState() {
      return { state, ...(qr && { qr: qr.data, qrAt: qr.at.toISOString() }) };
    },
  };
}
