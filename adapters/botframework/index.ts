import { AppError, describeError } from '../../src/core/errors.ts';
import type { ChannelAdapter, ChannelHooks, InboundSink, OutboundMessage, SendContext } from '../../src/core/types.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { type BotConversationReference, conversationReferenceSchema, TEAMS_CHANNEL_ID } from './activity.ts';
import type { BotConnector } from './client.ts';
import { authenticationRequired, type BotFrameworkConfig, type BotFrameworkDeps } from './config.ts';
import { mapConnectorError } from './connector-errors.ts';
import { collectSdkResponse, toSdkRequest } from './http-bridge.ts';
import { createPacer } from './pacing.ts';
import { CHANNEL, conversationKey, type ParseResult, parseActivity } from './parse.ts';
import { renderActivities, typingActivity } from './render.ts';
import { isLoopbackServiceUrl, precheckAuthorization } from './verify.ts';

export type { BotFrameworkConfig, BotFrameworkDeps } from './config.ts';

/** Where the Bot Framework expects a bot's messaging endpoint (Azure Bot "Messaging endpoint", the Emulator). */
export const BOTFRAMEWORK_MESSAGES_PATH = '/api/messages';

const json = (status: number, body: unknown) => Response.json(body, { status });

/**
 * Microsoft Teams and Azure Web Chat / Direct Line (and the Bot Framework Emulator) through botbuilder's
 * CloudAdapter. Conversation key: `botframework:<conversation.id>`; the activity's conversation reference
 * is the reply context, so every reply — including an educator's, hours later — is sent proactively.
 */
export function createBotFrameworkAdapter(
  config: BotFrameworkConfig,
  deps: BotFrameworkDeps,
  injectedConnector?: BotConnector,
): ChannelAdapter {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  const authRequired = authenticationRequired(config);
  const pacer = createPacer({
    kv: deps.kv,
    now: () => Date.now(),
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  });
  let sink: InboundSink | undefined;
  let hooks: ChannelHooks | undefined;
  // botbuilder takes a second or two to load: only when the channel starts (not for every `sehat` command).
  let connector = injectedConnector;
  const ready = (): BotConnector => {
    if (!connector) throw new AppError('send_failed', 'Bot Framework channel not started', { retryable: true });
    return connector;
  };

  async function deliver(result: ParseResult, activityType: string): Promise<'ok' | 'unavailable'> {
    if (result.kind === 'ignored') {
      logger.debug({ channel: CHANNEL, activityType, reason: result.reason }, 'activity ignored');
      return 'ok';
    }
    if (result.kind === 'unreachable') {
      await hooks?.identityUnreachable(CHANNEL, result.externalId, result.reason).catch(() => {});
      return 'ok';
    }
    if (result.kind !== 'inbound' || !sink) return 'unavailable';
    for (const message of result.messages) {
      try {
        const outcome = await sink(message);
        logger.debug({ channel: CHANNEL, kind: message.content.kind, outcome }, 'activity accepted');
      } catch (error) {
        logger.error({ channel: CHANNEL, ...describeError(error) }, 'activity not stored; the channel will redeliver');
        return 'unavailable';
      }
    }
    return 'ok';
  }

  async function handle(request: Request): Promise<Response> {
    if (request.method !== 'POST') return json(405, { error: 'method_not_allowed' });
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return json(400, { error: 'invalid_json' });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return json(400, { error: 'not_an_activity' });
    if (authRequired) {
      const check = precheckAuthorization(request.headers.get('authorization'), clock.now().getTime());
      if (!check.ok) {
        logger.warn({ channel: CHANNEL, reason: check.reason }, 'request refused: no valid Bot Framework token');
        return json(401, { error: 'unauthorized' });
      }
    }
    const result = parseActivity(body, clock.now());
    if (result.kind === 'invalid') return json(400, { error: result.reason });
    const activity = body as { type?: string; serviceUrl?: string };
    if (!authRequired && result.kind !== 'ignored' && !isLoopbackServiceUrl(activity.serviceUrl ?? '')) {
      logger.warn({ channel: CHANNEL }, 'request refused: unauthenticated mode accepts only a local serviceUrl');
      return json(403, { error: 'service_url_not_local' });
    }
    const bot = connector;
    if (!sink || !bot) return json(503, { error: 'not_started' });
    if (authRequired) {
      const verdict = await bot.authenticate(
        body as Record<string, unknown>,
        request.headers.get('authorization') ?? '',
      );
      if (verdict !== 'ok') {
        logger.warn({ channel: CHANNEL, verdict }, 'request refused: Bot Framework token not verified');
        return verdict === 'unauthorized' ? json(401, { error: 'unauthorized' }) : json(503, { error: 'unavailable' });
      }
    }
    const turn: { outcome: 'ok' | 'unavailable' } = { outcome: 'ok' };
    const response = collectSdkResponse();
    // CloudAdapter.process: botbuilder authenticates (again, from cached keys) and runs the turn.
    await bot.process(toSdkRequest(request, body as Record<string, unknown>), response, async (context) => {
      turn.outcome = await deliver(result, String(activity.type));
      if (result.kind === 'ignored' && result.invoke)
        await context.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
    });
    if (turn.outcome === 'unavailable') return json(503, { error: 'unavailable' });
    return response.toResponse();
  }

  function referenceFor(message: Pick<OutboundMessage, 'key'>, replyContext: unknown): BotConversationReference {
    const parsed = conversationReferenceSchema.safeParse(replyContext);
    if (!parsed.success || conversationKey(parsed.data.conversation.id) !== message.key)
      throw new AppError('send_permanent', 'no Bot Framework conversation reference for this conversation', {
        retryable: false,
        details: { platformCode: 'no_conversation_reference' },
      });
    return parsed.data;
  }

  return {
    id: CHANNEL,
    // Teams shows at most 6 buttons on a hero card; Web Chat renders markdown fully, Teams a subset.
    capabilities: { maxTextLength: 4000, choices: 'buttons', maxButtons: 6, markdown: 'basic' },
    async start(s, h) {
      connector ??= (await import('./client.ts')).createBotConnector(config);
      sink = s;
      hooks = h;
      if (!authRequired)
        logger.warn(
          { channel: CHANNEL },
          'Bot Framework channel in unauthenticated local mode (no BOTFRAMEWORK_APP_ID): for the Emulator only',
        );
    },
    async stop() {
      sink = undefined;
    },
    async handleWebhook(request) {
      try {
        return await handle(request);
      } catch (error) {
        logger.error({ channel: CHANNEL, ...describeError(error) }, 'Bot Framework request failed');
        return json(500, { error: 'internal_error' });
      }
    },
    async send(message: OutboundMessage, context?: SendContext) {
      const reference = referenceFor(message, context?.replyContext);
      const cards = reference.channelId === TEAMS_CHANNEL_ID ? 'teams' : 'webchat';
      const activities = renderActivities(message.parts, { cards, sender: message.sender });
      if (activities.length === 0) return { platformMessageIds: [] };
      try {
        const ids = await ready().send(reference, activities, () => pacer.wait(reference.conversation.id));
        return { platformMessageIds: ids.filter(Boolean) };
      } catch (error) {
        const mapped = mapConnectorError(error, clock.now().getTime());
        if (mapped.unreachableReason)
          await hooks?.identityUnreachable(CHANNEL, reference.user.id, mapped.unreachableReason).catch(() => {});
        logger.warn({ channel: CHANNEL, ...describeError(mapped.error) }, 'Bot Connector send failed');
        throw mapped.error;
      }
    },
    async indicateTyping(key, on, replyContext) {
      if (!on) return; // Bot Framework typing indicators expire by themselves (or when the reply arrives)
      try {
        const reference = referenceFor({ key }, replyContext);
        await ready().send(reference, [typingActivity()], () => pacer.wait(reference.conversation.id));
      } catch (error) {
        logger.debug({ channel: CHANNEL, ...describeError(error) }, 'typing indicator not sent');
      }
    },
  };
}
