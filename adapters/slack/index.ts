import { type AnyMiddlewareArgs, App, type Middleware, SocketModeReceiver } from '@slack/bolt';
import { AppError, describeError } from '../../src/core/errors.ts';
import type { CrmStore } from '../../src/crm/crm-store.ts';
import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { EducatorConsole } from '../../src/handoff/educator-console.ts';
import type { HandoffService } from '../../src/handoff/handoff-service.ts';
import type { KnowledgeSnapshot } from '../../src/knowledge/knowledge-snapshot.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import {
  AUTH_ERRORS,
  createSlackWebClient,
  type RetryOptions,
  slackErrorCode,
  toSlackLogger,
  type WebClient,
} from './client.ts';
import { registerCommands } from './commands.ts';
import type { SlackConfig } from './config.ts';
import type { ConsoleContext } from './context.ts';
import { createDeliveryMarks } from './delivery.ts';
import { createEducatorDirectory } from './educators.ts';
import { createAppHome } from './home.ts';
import { registerInteractions } from './interactions.ts';
import { createHttpReceiver } from './receiver.ts';
import { createSlackState } from './state.ts';
import { createThreadSync } from './sync.ts';
import { registerThreadMessages } from './threads.ts';

export interface SlackConsoleDeps {
  service: HandoffService;
  store: HandoffStore;
  crm: CrmStore;
  kv: KeyValueState;
  knowledge: () => KnowledgeSnapshot;
  logger: Logger;
  clock?: Clock;
  /** The clinic's time zone, for "today" on the Home tab. */
  timeZone?: string;
  /** Wall-clock ms for signature freshness (tests inject it). */
  now?: () => number;
  retry?: RetryOptions;
  deliveryPollMs?: number;
}

export interface SlackConsole extends EducatorConsole {
  /** Waits until background Slack work triggered so far is done (tests, shutdown). */
  idle(): Promise<void>;
  /** Runs one catch-up pass over open hand-offs now. */
  syncNow(): Promise<void>;
}

/** Slack refuses these at start-up: the configuration is wrong, so Sehat must not start as if all is well. */
function configProblem(variable: string, code: string, hint: string): AppError {
  return new AppError('config_invalid', `${variable} was refused by Slack (${code}). ${hint}`, {
    details: { variable, slackError: code },
  });
}

/**
 * The Slack educator console: hand-offs announced in a channel, claimed with a button, answered in a
 * thread; App Home with the queue; `/sehat`. Built on @slack/bolt with either Socket Mode (app-level token,
 * no public URL) or HTTP (routes mounted on Sehat's own server, signatures checked in verify.ts).
 */
export function createSlackConsole(config: SlackConfig, deps: SlackConsoleDeps): SlackConsole {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  const client: WebClient = createSlackWebClient({
    token: config.botToken,
    apiUrl: config.apiUrl,
    logger,
    ...(deps.retry && { retry: deps.retry }),
  });
  const slack = () => client;
  const identity: { botId?: string; botUserId?: string } = {};
  const state = createSlackState(deps.kv);
  const educators = createEducatorDirectory({
    store: deps.store,
    slack,
    clock,
    showEducatorName: config.showEducatorName,
  });
  const sync = createThreadSync({
    service: deps.service,
    store: deps.store,
    crm: deps.crm,
    state,
    slack,
    channelId: config.channelId,
    oncallMention: config.oncallMention,
    notePrefix: config.notePrefix,
    logger,
  });
  const marks = createDeliveryMarks({
    crm: deps.crm,
    state,
    slack,
    logger,
    now: () => clock.now().getTime(),
    pollMs: deps.deliveryPollMs ?? 2_000,
    watchMs: 15 * 60_000,
  });
  const home = createAppHome({
    service: deps.service,
    store: deps.store,
    educators,
    slack,
    clock,
    timeZone: deps.timeZone ?? 'UTC',
    oncallMention: config.oncallMention,
    logger,
  });
  const ctx: ConsoleContext = {
    config,
    service: deps.service,
    store: deps.store,
    crm: deps.crm,
    knowledge: deps.knowledge,
    slack,
    state,
    educators,
    marks,
    sync,
    refreshHome: () => home.refreshSoon(),
    logger,
    clock,
  };

  const httpReceiver =
    config.mode === 'http'
      ? createHttpReceiver({ signingSecret: config.signingSecret ?? '', logger, ...(deps.now && { now: deps.now }) })
      : undefined;
  const receiver =
    httpReceiver ??
    new SocketModeReceiver({
      appToken: config.appToken ?? '',
      logger: toSlackLogger(logger),
      installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } },
    });
  const app = new App({
    receiver,
    logger: toSlackLogger(logger),
    clientOptions: { slackApiUrl: config.apiUrl, ...(deps.retry && { retryConfig: deps.retry }) },
    // One workspace: the bot token is ours; the bot's ids (for ignoring our own messages) come from auth.test.
    authorize: async () => {
      if (!identity.botUserId) await checkIdentity().catch(() => {});
      return { botToken: config.botToken, botId: identity.botId, botUserId: identity.botUserId };
    },
  });
  /** Slack redelivers events it thinks we missed (and Socket Mode may too): handle each event_id once. */
  const dedupe: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await state.firstDelivery(eventId))) {
      logger.debug({ eventId }, 'duplicate Slack event ignored');
      return;
    }
    await next();
  };
  app.use(dedupe);
  registerInteractions(app, ctx);
  registerThreadMessages(app, ctx);
  registerCommands(app, ctx);
  home.register(app);
  app.error(async (error) => {
    logger.error({ slackError: slackErrorCode(error), ...describeError(error) }, 'Slack app error');
  });

  async function checkIdentity(): Promise<void> {
    const auth = await client.auth.test();
    identity.botId = auth.bot_id;
    identity.botUserId = auth.user_id;
  }

  /** Wrong tokens and channels fail start-up with a clear message; an unreachable Slack only warns. */
  async function checkSetup(): Promise<void> {
    try {
      await checkIdentity();
    } catch (error) {
      const code = slackErrorCode(error);
      if (AUTH_ERRORS.has(code))
        throw configProblem(
          'SLACK_BOT_TOKEN',
          code,
          'Copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.',
        );
      logger.warn({ slackError: code }, 'Slack is not reachable at start-up; hand-offs will be posted when it is');
      return;
    }
    try {
      const info = await client.conversations.info({ channel: config.channelId });
      if (info.channel && info.channel.is_member === false && !info.channel.is_private)
        logger.warn({ channel: config.channelId }, 'the Sehat app is not a member of SLACK_CHANNEL_ID: invite it');
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'channel_not_found')
        throw configProblem('SLACK_CHANNEL_ID', code, 'Use the channel id (C…) and invite the app to the channel.');
      if (AUTH_ERRORS.has(code)) logger.warn({ slackError: code }, 'could not check SLACK_CHANNEL_ID');
      else logger.warn({ slackError: code }, 'could not check SLACK_CHANNEL_ID; Slack may be unreachable');
    }
  }

  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const safePass = () => sync.pass().catch((error) => logger.warn(describeError(error), 'Slack catch-up pass failed'));

  return {
    id: 'slack',
    ...(httpReceiver && { routes: httpReceiver.routes }),
    async start() {
      await checkSetup();
      try {
        await app.start();
      } catch (error) {
        const code = slackErrorCode(error);
        if (config.mode === 'socket' && AUTH_ERRORS.has(code))
          throw configProblem('SLACK_APP_TOKEN', code, 'Create an app-level token (xapp-…) with connections:write.');
        throw error;
      }
      unsubscribe = deps.service.subscribe((event) => {
        if (stopping) return;
        sync.request(event.handoffId);
        home.refreshSoon();
      });
      marks.start();
      timer = setInterval(() => void safePass(), config.syncIntervalMs);
      timer.unref();
      void safePass(); // hand-offs opened while the console was down
      logger.info({ mode: config.mode, channel: config.channelId }, 'Slack educator console started');
    },
    async stop() {
      stopping = true;
      unsubscribe?.();
      clearInterval(timer);
      home.stop();
      marks.stop();
      await app.stop().catch(() => {});
      await httpReceiver?.drain();
      await sync.idle();
    },
    async idle() {
      await httpReceiver?.drain();
      await sync.idle();
    },
    syncNow: () => sync.pass(),
  };
}
