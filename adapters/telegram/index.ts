import { AppError, describeError } from '../../src/core/errors.ts';
import type { ChannelAdapter, ChannelHooks, InboundMessage, InboundSink, OutboundPart } from '../../src/core/types.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { createTelegramClient, isTelegramError, isUnreachable, toSendError } from './client.ts';
import { commandMenu } from './commands.ts';
import { DEFAULT_LIMITS, type TelegramConfig } from './config.ts';
import { htmlToPlain } from './format.ts';
import { type ParsedUpdate, parseUpdate } from './parse.ts';
import { type Polling, startPolling } from './polling.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { CALLBACK_ALIAS_PREFIX, chatIdOf, renderMessage, type SendMessagePayload } from './render.ts';
import { SECRET_HEADER, verifySecretToken } from './verify.ts';

export interface TelegramDeps {
  logger: Logger;
  /** Shared state: update dedupe, the polling offset, rate-limit counters, long callback ids. */
  kv: KeyValueState;
  now?: () => Date;
}

/**
 * The updates the bot subscribes to. Edits are not asked for (the bot answered the original already); if a
 * webhook set earlier still delivers them they are ignored with a reason. @see https://core.telegram.org/bots/api#update
 */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'];
/** Telegram keeps an update at most 24 h, so it is never redelivered later than that. */
const UPDATE_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;
/** Buttons stay on old messages: an alias for a long choice id is kept for a month. */
const CALLBACK_ALIAS_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** "The status is set for 5 seconds or less": refreshed while the bot composes, for at most ~30 s. @see https://core.telegram.org/bots/api#sendchataction */
const TYPING_REFRESH_MS = 4500;
const TYPING_MAX_REFRESHES = 6;

export interface TelegramAdapter extends ChannelAdapter {
  /** Handles one update as if delivered (webhook or polling): stores it, or throws so it is delivered again. */
  handleUpdate(update: unknown): Promise<void>;
}

/**
 * The Telegram channel, on telegraf's Bot API client. Webhook mode: Telegram POSTs updates to
 * /webhooks/telegram with the secret header; polling mode: getUpdates in a loop. Either way an update is
 * verified, parsed (pure), handed to the sink (durable store + queue) and acknowledged at once.
 */
export function createTelegramAdapter(config: TelegramConfig, deps: TelegramDeps): TelegramAdapter {
  const { logger, kv } = deps;
  const now = deps.now ?? (() => new Date());
  const telegram = createTelegramClient({ token: config.botToken, apiRoot: config.apiRoot });
  const botId = config.botToken.split(':')[0] ?? 'bot';
  const prefix = `telegram:${botId}:`;
  const limits = { ...DEFAULT_LIMITS, ...config.limits };
  const limiter = createRateLimiter({ kv, prefix: `${prefix}rate:`, limits });
  let sink: InboundSink | undefined;
  let hooks: ChannelHooks | undefined;
  let botUsername: string | undefined;
  let polling: Polling | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const background = new Set<Promise<unknown>>();
  const typingTimers = new Map<string, NodeJS.Timeout>();
  /** Calls already made for a message whose later call failed: the outbox retries with the same parts. */
  const progress = new WeakMap<OutboundPart[], string[]>();

  const track = (work: Promise<unknown>) => {
    const p = work.catch(() => {}).finally(() => background.delete(p));
    background.add(p);
  };

  async function resolveAlias(message: InboundMessage): Promise<InboundMessage> {
    const { content } = message;
    if (content.kind !== 'choice' || !content.choiceId.startsWith(CALLBACK_ALIAS_PREFIX)) return message;
    const choiceId = await kv.get(`${prefix}cb:${content.choiceId}`);
    return choiceId ? { ...message, content: { ...content, choiceId } } : message;
  }

  function answerCallback(id: string | undefined) {
    if (!id) return;
    track(
      telegram
        .answerCbQuery(id)
        .catch((error) => logger.warn({ channel: 'telegram', ...describeError(error) }, 'answerCallbackQuery failed')),
    );
  }

  async function dispatch(parsed: ParsedUpdate): Promise<void> {
    if (parsed.kind === 'ignored') {
      logger.debug({ channel: 'telegram', updateId: parsed.updateId, reason: parsed.reason }, 'update ignored');
      answerCallback(parsed.callbackQueryId);
      return;
    }
    if (parsed.kind === 'unreachable') {
      await hooks?.identityUnreachable('telegram', parsed.externalId, parsed.reason);
      return;
    }
    if (!sink) throw new AppError('store_unavailable', 'the Telegram channel is not started');
    const outcome = await sink(await resolveAlias(parsed.message));
    logger.debug(
      { channel: 'telegram', updateId: parsed.updateId, kind: parsed.message.content.kind, outcome },
      'update stored',
    );
    if (outcome === 'accepted') answerCallback(parsed.callbackQueryId);
  }

  async function handleUpdate(update: unknown): Promise<void> {
    const parsed = parseUpdate(update, { allowGroups: config.allowGroups, botUsername, now: now() });
    // Telegram redelivers an update until it gets a 2xx; the update id says it is the same one. (The core
    // also dedupes messages by chat and message id, which survives update ids restarting.)
    const seenKey = `${prefix}update:${parsed.updateId}`;
    if (parsed.updateId >= 0 && (await kv.get(seenKey))) {
      logger.debug({ channel: 'telegram', updateId: parsed.updateId }, 'update redelivered: already handled');
      return;
    }
    await dispatch(parsed);
    if (parsed.updateId >= 0) await kv.setIfAbsent(seenKey, '1', UPDATE_DEDUPE_TTL_MS);
  }

  async function register(): Promise<void> {
    const me = await telegram.getMe();
    botUsername = me.username;
    for (const language of config.languages)
      await telegram.setMyCommands(commandMenu(language), { language_code: language });
    await telegram.setMyCommands(commandMenu(config.defaultLanguage));
    if (config.mode === 'webhook') {
      await telegram.setWebhook(config.webhookUrl ?? '', {
        secret_token: config.webhookSecret,
        allowed_updates: ALLOWED_UPDATES as never,
      });
    } else {
      // getUpdates answers 409 while a webhook is set.
      await telegram.deleteWebhook({ drop_pending_updates: false });
    }
  }

  async function registerWithRetry(attempt: number): Promise<void> {
    try {
      await register();
      logger.info({ channel: 'telegram', mode: config.mode, bot: botUsername }, 'telegram bot registered');
    } catch (error) {
      if (isTelegramError(error) && (error.code === 401 || error.code === 404))
        throw new AppError('config_invalid', 'TELEGRAM_BOT_TOKEN was rejected by Telegram (check the token)', {
          cause: error,
        });
      const waitMs = Math.min(300_000, 5000 * 2 ** attempt);
      logger.warn({ channel: 'telegram', waitMs, ...describeError(error) }, 'telegram start-up calls failed; retrying');
      if (stopped) return;
      retryTimer = setTimeout(() => {
        registerWithRetry(attempt + 1).catch((e) =>
          logger.error({ channel: 'telegram', ...describeError(e) }, 'telegram registration failed'),
        );
      }, waitMs);
      retryTimer.unref();
    }
  }

  function stopTyping(chatId: string) {
    clearInterval(typingTimers.get(chatId));
    typingTimers.delete(chatId);
  }

  async function sendOne(payload: SendMessagePayload): Promise<{ message_id: number }> {
    try {
      return (await telegram.callApi('sendMessage', payload as never)) as { message_id: number };
    } catch (error) {
      // Should our HTML ever be refused, the patient still gets the words.
      if (isTelegramError(error) && error.code === 400 && /can't parse entities/i.test(error.description ?? '')) {
        logger.warn({ channel: 'telegram' }, 'telegram refused the HTML; sending plain text');
        const { parse_mode: _ignored, ...plain } = payload;
        return (await telegram.callApi('sendMessage', { ...plain, text: htmlToPlain(payload.text) } as never)) as {
          message_id: number;
        };
      }
      throw error;
    }
  }

  return {
    id: 'telegram',
    // HTML parse mode gives bold, italics and links; 4,096 characters per message; inline keyboards.
    capabilities: { maxTextLength: 4096, choices: 'buttons', maxButtons: 8, markdown: 'basic' },
    handleUpdate,

    async start(s, h) {
      sink = s;
      hooks = h;
      stopped = false;
      await registerWithRetry(0);
      if (config.mode === 'polling') {
        polling = await startPolling({
          telegram,
          kv,
          offsetKey: `${prefix}offset`,
          timeoutSeconds: config.pollTimeoutSeconds ?? 50,
          allowedUpdates: ALLOWED_UPDATES,
          logger,
          handle: handleUpdate,
        });
      }
    },

    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      for (const chatId of [...typingTimers.keys()]) stopTyping(chatId);
      await polling?.stop();
      polling = undefined;
      await Promise.all([...background]);
      sink = undefined;
    },

    async handleWebhook(request) {
      try {
        if (request.method !== 'POST') return new Response('method not allowed', { status: 405 });
        if (config.mode !== 'webhook' || !config.webhookSecret)
          return new Response('webhook mode is off', { status: 404 });
        if (!verifySecretToken(request.headers.get(SECRET_HEADER), config.webhookSecret)) {
          logger.warn({ channel: 'telegram' }, 'telegram webhook refused: wrong or missing secret token');
          return new Response('unauthorized', { status: 401 });
        }
        let update: unknown;
        try {
          update = JSON.parse(await request.text());
        } catch {
          return new Response('invalid JSON', { status: 400 });
        }
        if (
          typeof update !== 'object' ||
          update === null ||
          typeof (update as { update_id?: unknown }).update_id !== 'number'
        )
          return new Response('not a Telegram update', { status: 400 });
        if (!sink) return new Response('starting', { status: 503 });
        await handleUpdate(update);
        return new Response('ok', { status: 200 });
      } catch (error) {
        // Not stored: a non-2xx makes Telegram deliver the update again.
        logger.error({ channel: 'telegram', ...describeError(error) }, 'telegram update not stored');
        return new Response('unavailable', { status: 503 });
      }
    },

    async send(message) {
      const chatId = chatIdOf(message.key);
      stopTyping(chatId);
      const { calls, callbackAliases } = renderMessage(message);
      for (const [alias, choiceId] of Object.entries(callbackAliases))
        await kv.setIfAbsent(`${prefix}cb:${alias}`, choiceId, CALLBACK_ALIAS_TTL_MS);
      const done = progress.get(message.parts) ?? [];
      for (const call of calls.slice(done.length)) {
        await limiter.acquire(chatId);
        try {
          const sent = await sendOne(call);
          done.push(`${chatId}:${sent.message_id}`);
        } catch (error) {
          if (done.length > 0) progress.set(message.parts, done);
          if (isUnreachable(error))
            await hooks?.identityUnreachable('telegram', chatId, 'blocked_by_user').catch(() => {});
          throw toSendError(error);
        }
      }
      progress.delete(message.parts);
      return { platformMessageIds: done };
    },

    async indicateTyping(key, on) {
      const chatId = chatIdOf(key);
      stopTyping(chatId);
      if (!on || stopped) return;
      const ping = () => telegram.sendChatAction(chatId, 'typing').catch(() => {});
      await ping();
      let refreshes = 0;
      const timer = setInterval(() => {
        if (++refreshes > TYPING_MAX_REFRESHES) stopTyping(chatId);
        else void ping();
      }, TYPING_REFRESH_MS);
      timer.unref();
      typingTimers.set(chatId, timer);
    },
  };
}
