import { botFrameworkConfigFromSettings } from '../adapters/botframework/config.ts';
import { BOTFRAMEWORK_MESSAGES_PATH, createBotFrameworkAdapter } from '../adapters/botframework/index.ts';
import { slackConfigFromEnv } from '../adapters/slack/config.ts';
import { telegramConfigFromSettings } from '../adapters/telegram/config.ts';
import { registerWebConsole } from '../adapters/web-console/routes.ts';
import { createWebchatAdapter, type WebchatAdapter } from '../adapters/webchat/index.ts';
import { renderHistory } from '../adapters/webchat/render.ts';
import { registerWebchatPages } from '../adapters/webchat/routes.ts';
import { whatsappCloudConfigFromEnv } from '../adapters/whatsapp-cloud/config.ts';
import { createWhatsappCloudAdapter } from '../adapters/whatsapp-cloud/index.ts';
import { createWhatsappWebAdapter, printQrInTerminal, wwebjsClientFactory } from '../adapters/whatsapp-web/index.ts';
import type { Env } from './config/env.ts';
import { createEngine, type Engine } from './core/engine.ts';
import { createOutbox } from './core/outbox.ts';
import { createTriageStep } from './core/steps/triage.ts';
import type { ChannelAdapter, ChannelHooks, ChannelId } from './core/types.ts';
import type { CrmStore } from './crm/crm-store.ts';
import type { HandoffStore } from './crm/handoff-store.ts';
import { openDatabase } from './crm/open-database.ts';
import { createSqlCrmStore } from './crm/sql-crm-store.ts';
import { createSqlHandoffStore } from './crm/sql-handoff-store.ts';
import { handoffCommands } from './handoff/commands.ts';
import type { EducatorConsole } from './handoff/educator-console.ts';
import type { HandoffQueue } from './handoff/handoff-queue.ts';
import { createHandoffService, type HandoffService } from './handoff/handoff-service.ts';
import { createRatingStep } from './handoff/steps/rating.ts';
import { createRouteByModeStep } from './handoff/steps/route-by-mode.ts';
import { createTriageResponder } from './handoff/triage-responder.ts';
import { parseWorkingHours } from './handoff/working-hours.ts';
import { createPrometheusMetrics } from './http/prometheus-metrics.ts';
import { createHttpServer, type HttpServer } from './http/server.ts';
import { createKnowledgeBase, type KnowledgeBase } from './knowledge/knowledge-base.ts';
import { createLlmAnswerer, type LlmAnswerer } from './llm/setup.ts';
import type { JobQueue } from './queue/job-queue.ts';
import type { KeyValueState } from './queue/key-value-state.ts';
import { redactRedisUrl } from './queue/redis-connection.ts';
import { type Clock, systemClock } from './shared/clock.ts';
import { createLogger, type Logger } from './shared/logger.ts';
import type { Metrics } from './shared/metrics.ts';
import { createSharedState, type SharedState } from './shared-state.ts';
import { createSafety } from './triage/safety.ts';
/**
 * The composition root: the only module that imports adapters and picks implementations of the ports.
 */
export interface CoreOptions {
  logger?: Logger;
  clock?: Clock;
  /** Channels beyond those configured (the CLI's capture channel, tests' recording channels). */
  extraChannels?: ChannelAdapter[];
  greetOnFirstContact?: boolean;
  metrics?: Metrics;
}

export interface Core {
  env: Env;
  logger: Logger;
  clock: Clock;
  crm: CrmStore;
  kb: KnowledgeBase;
  kv: KeyValueState;
  queue: JobQueue;
  engine: Engine;
  handoffStore: HandoffStore;
  handoffQueue: HandoffQueue;
  handoff: HandoffService;
  /** The LLM client and token budget (NullLlm and no answerer step without OPENAI_API_KEY). */
  llm: LlmAnswerer;
  channels: Map<ChannelId, ChannelAdapter>;
  databaseDescription: string;
  /** Readiness checks of the stores (database, Redis). */
  readiness: { name: string; check: () => Promise<void> }[];
  stop(): Promise<void>;
}

export async function createCore(
  env: Env,
  options: CoreOptions & { channels?: ChannelAdapter[]; shared?: SharedState } = {},
): Promise<Core> {
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL, logPatientText: env.LOG_PATIENT_TEXT });
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(env.DATABASE_URL);
  const crm = createSqlCrmStore(database);
  const kb = createKnowledgeBase({
    dir: env.KNOWLEDGE_DIR,
    languages: env.LANGUAGES,
    defaultLanguage: env.DEFAULT_LANGUAGE,
    logger,
  });
  const shared = options.shared ?? createSharedState(env, logger);
  const { kv, queue, handoffQueue } = shared;
  const channels = new Map<ChannelId, ChannelAdapter>();
  for (const adapter of [...(options.channels ?? []), ...(options.extraChannels ?? [])])
    channels.set(adapter.id, adapter);
  const outbox = createOutbox({ crm, channels, clock, logger, metrics: options.metrics });
  const handoffStore = createSqlHandoffStore(database);
  const safety = createSafety(() => kb.current(), { country: env.DEPLOYMENT_COUNTRY, logger });
  // The hand-off service sends through the engine, and the engine opens hand-offs: bind late.
  const late: { engine?: Engine } = {};
  const handoff = createHandoffService({
    crm,
    store: handoffStore,
    queue: handoffQueue,
    knowledge: () => kb.current(),
    clock,
    logger,
    settings: {
      workingHours: parseWorkingHours(env.EDUCATOR_HOURS, env.TIMEZONE, env.HOLIDAYS),
      slaMinutes: env.HANDOFF_SLA_MINUTES,
      averageHandlingMinutes: env.AVERAGE_HANDLING_MINUTES,
    },
    deliver: (...args) => (late.engine as Engine).deliver(...args),
    safetyVars: safety.vars,
    metrics: options.metrics,
  });
  // Grounded LLM answers, only when configured; the model may raise triage through the same responder.
  const llm = await createLlmAnswerer(env, { kv, logger, escalate: createTriageResponder(safety.vars) });
  const engine = createEngine({
    metrics: options.metrics,
    inboundPerMinute: env.INBOUND_MESSAGES_PER_MINUTE,
    responseVars: safety.vars,
    educatorName: async (id) => (await handoffStore.getEducator(id))?.displayName,
    channels,
    crm,
    kv,
    queue,
    outbox,
    knowledge: () => kb.current(),
    clock,
    logger,
    settings: {
      languages: env.LANGUAGES,
      defaultLanguage: env.DEFAULT_LANGUAGE,
      answerMinConfidence: env.ANSWER_MIN_CONFIDENCE,
      clarifyMargin: env.CLARIFY_MARGIN,
      greetOnFirstContact: options.greetOnFirstContact ?? true,
    },
    hooks: {
      beforeCommands: [createTriageStep(safety.classify, createTriageResponder(safety.vars))],
      beforeAnswer: [createRatingStep(handoff), createRouteByModeStep(handoff)],
      answerers: llm.step ? [llm.step] : [],
      commands: handoffCommands,
      onHandoffRequests: async (turn, requests) => {
        // One hand-off per turn, at the most urgent priority asked for.
        const [first] = [...requests].sort(
          (a, b) => ['urgent', 'high', 'normal'].indexOf(a.priority) - ['urgent', 'high', 'normal'].indexOf(b.priority),
        );
        if (first)
          await handoff.open(
            turn.conversation,
            first.reason === 'routine' || first.reason === 'out_of_scope' ? 'unanswered' : first.reason,
            first.priority,
            turn.messageId,
          );
      },
    },
  });
  late.engine = engine;
  queue.start((job) => engine.process(job));
  return {
    env,
    logger,
    clock,
    crm,
    kb,
    kv,
    queue,
    engine,
    handoffStore,
    handoffQueue,
    handoff,
    llm,
    channels,
    databaseDescription: database.description,
    readiness: [{ name: 'database', check: () => crm.ping() }, ...shared.readiness],
    async stop() {
      await queue.stop();
      await handoffQueue.close();
      await kb.stop();
      await kv.close();
      await shared.bus.close();
      await shared.close();
      await crm.close();
    },
  };
}

export interface App extends Core {
  http: HttpServer;
  start(): Promise<{ url: string }>;
  /**
   * `sehat worker`: works the shared queue and sends replies — no HTTP, no webhooks, no polling, no
   * educator consoles. (The queue runs from createCore on; this recovers what a crash left and logs.)
   */
  startWorker(): Promise<void>;
}

/** The whole server: core + configured channels + HTTP. */
export async function createApp(env: Env, options: CoreOptions = {}): Promise<App> {
  let core: Core | undefined;
  const channels: ChannelAdapter[] = [];
  let webchat: WebchatAdapter | undefined;
  const logger0 = options.logger ?? createLogger({ level: env.LOG_LEVEL, logPatientText: env.LOG_PATIENT_TEXT });
  const shared = createSharedState(env, logger0);
  if (env.WEBCHAT_ENABLED) {
    webchat = createWebchatAdapter({
      maxTextLength: env.WEBCHAT_MAX_TEXT_LENGTH,
      allowedOrigins: env.WEBCHAT_ALLOWED_ORIGINS,
      publicUrl: env.PUBLIC_URL,
      logger: logger0,
      bus: shared.bus,
      loadHistory: async (key) => {
        const conversation = await core?.crm.findConversationByKey(key);
        if (!conversation || !core) return [];
        const names = new Map((await core.handoffStore.listEducators()).map((e) => [e.id, e.displayName]));
        return renderHistory(await core.crm.listMessages(conversation.id, { limit: 200 }), (id) =>
          id ? names.get(id) : undefined,
        );
      },
    });
    channels.push(webchat);
  }
  // --- Patient channels: one block per platform, each configured from its own settings in env.ts. ---
  // (A channel gets what it needs explicitly: logger, shared key-value state, clock, public URL.)
  // Adapters that load a platform SDK (telegraf, Slack's Bolt) are imported only when configured: start-up
  // time is mostly module loading.
  // Adapters whose start() pulls traffic from the platform (registers a webhook, polls, opens a session):
  // a `sehat worker` doesn't start them — it only sends, which they do unstarted.
  const pullsOnStart = new Set<ChannelAdapter>();
  const telegramConfig = telegramConfigFromSettings(env);
  if (telegramConfig) {
    const { createTelegramAdapter } = await import('../adapters/telegram/index.ts');
    const telegram = createTelegramAdapter(telegramConfig, { logger: logger0, kv: shared.kv });
    channels.push(telegram);
    pullsOnStart.add(telegram);
  }
  // WhatsApp: one logical channel, two ways in (Cloud API for production, whatsapp-web.js for pilots).
  if (env.WHATSAPP_MODE !== 'off') {
    const clock = options.clock ?? systemClock;
    if (env.WHATSAPP_MODE === 'cloud')
      channels.push(
        createWhatsappCloudAdapter(whatsappCloudConfigFromEnv(env), {
          logger: logger0,
          kv: shared.kv,
          clock,
          languageOf: async (key) => (await core?.crm.findConversationByKey(key))?.language ?? undefined,
        }),
      );
    else {
      const whatsappWeb = createWhatsappWebAdapter(
        {},
        {
          logger: logger0,
          kv: shared.kv,
          clock,
          createClient: wwebjsClientFactory({
            sessionDir: env.WHATSAPP_WEB_SESSION_DIR,
            chromiumPath: env.WHATSAPP_WEB_CHROMIUM_PATH,
            logger: logger0,
          }),
          printQr: (qr) => void printQrInTerminal(qr).catch(() => {}),
        },
      );
      channels.push(whatsappWeb);
      pullsOnStart.add(whatsappWeb);
    }
  }
  // Microsoft Teams and Azure Web Chat / Direct Line (and the Emulator) through the Bot Framework.
  const botFrameworkConfig = botFrameworkConfigFromSettings(env);
  const botFramework = botFrameworkConfig
    ? createBotFrameworkAdapter(botFrameworkConfig, { logger: logger0, kv: shared.kv, clock: options.clock })
    : undefined;
  if (botFramework) channels.push(botFramework);

  const metrics = createPrometheusMetrics();
  core = await createCore(env, { ...options, logger: logger0, channels, metrics, shared });
  const { logger, engine, crm } = core;
  const base0 = core;
  metrics.gauge('sehat_queue_depth', 'Inbound messages queued or being handled', () => base0.queue.depth());
  metrics.gauge(
    'sehat_handoffs_waiting',
    'Hand-offs waiting for an educator',
    async () => (await base0.handoffQueue.list()).length,
  );

  // --- Educator consoles besides the built-in web console (e.g. Slack): one block each. ---
  const consoles: EducatorConsole[] = [];
  if (env.SLACK_ENABLED) {
    const { createSlackConsole } = await import('../adapters/slack/index.ts');
    const kb = core.kb;
    consoles.push(
      createSlackConsole(slackConfigFromEnv(env), {
        service: core.handoff,
        store: core.handoffStore,
        crm,
        kv: core.kv,
        knowledge: () => kb.current(),
        logger,
        clock: core.clock,
        timeZone: env.TIMEZONE,
      }),
    );
  }

  const http = createHttpServer({
    logger,
    bodyLimitBytes: 5 * 1024 * 1024,
    readiness: core.readiness,
    upgradeHandlers: webchat ? [webchat.handleUpgrade] : [],
    routes: (app) => {
      app.get('/metrics', async (c) =>
        c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
      );
      // Platforms verify webhooks with GET (WhatsApp's hub.challenge) and deliver with POST.
      app.on(['GET', 'POST'], '/webhooks/:channel', async (c) => {
        const adapter = core?.channels.get(c.req.param('channel') as ChannelId);
        if (!adapter?.handleWebhook) return c.json({ error: 'unknown_channel' }, 404);
        return adapter.handleWebhook(c.req.raw);
      });
      // The Bot Framework's messaging endpoint (Azure Bot settings, the Emulator) is /api/messages by convention.
      if (botFramework?.handleWebhook) {
        const handle = botFramework.handleWebhook;
        app.post(BOTFRAMEWORK_MESSAGES_PATH, (c) => handle(c.req.raw));
      }
      if (webchat) registerWebchatPages(app);
      for (const route of consoles.flatMap((c) => c.routes ?? []))
        app.on(route.method, route.path, (c) => route.handle(c.req.raw));
      registerWebConsole(app, {
        service: core.handoff,
        store: core.handoffStore,
        kv: core.kv,
        logger,
        secureCookies: env.PUBLIC_URL.startsWith('https:'),
      });
    },
  });

  const started: ChannelAdapter[] = [];
  const channelHooks: ChannelHooks = {
    async deliveryStatus(update) {
      const found = await crm
        .markOutboundByPlatformId(
          update.channel,
          update.platformMessageId,
          { status: update.status, error: update.error },
          update.at,
        )
        .catch(() => false);
      if (update.status === 'failed')
        logger.warn({ channel: update.channel, error: update.error, found }, 'platform reports a failed delivery');
    },
    async identityUnreachable(channel, externalId, reason) {
      await crm.markIdentityUnreachable(channel, externalId).catch(() => {});
      logger.warn({ channel, reason }, 'patient unreachable on this channel');
    },
  };
  const base = core;
  let slaTimer: NodeJS.Timeout | undefined;
  return {
    ...base,
    http,
    async start() {
      const { url } = await http.listen(env.PORT, env.HOST);
      for (const adapter of base.channels.values()) {
        await adapter.start(async (message) => (await engine.accept(message)).status, channelHooks);
        started.push(adapter);
      }
      for (const educatorConsole of consoles) await educatorConsole.start();
      if (env.KB_HOT_RELOAD) base.kb.watch();
      slaTimer = setInterval(() => {
        base.handoff.checkSla().catch((error) => logger.error({ err: (error as Error).message }, 'SLA check failed'));
      }, env.SLA_CHECK_INTERVAL_SECONDS * 1000);
      slaTimer.unref();
      const recovered = await engine.recover();
      const snapshot = base.kb.current();
      logger.info(
        {
          url,
          channels: [...base.channels.keys()],
          database: base.databaseDescription,
          sharedState: env.REDIS_URL ? redactRedisUrl(env.REDIS_URL) : 'in-process',
          articles: snapshot.articleCount(),
          languages: env.LANGUAGES,
          recovered,
        },
        `Sehat is listening on ${url} — channels on: ${[...base.channels.keys()].join(', ') || 'none'}${webchat ? ` — web chat at ${url}/` : ''} — educator console at ${url}/educator`,
      );
      return { url };
    },
    async startWorker() {
      for (const adapter of base.channels.values()) {
        if (pullsOnStart.has(adapter)) continue;
        // Starting sets up sending (e.g. the Bot Framework connector); with no HTTP server nothing comes in.
        await adapter.start(async (message) => (await engine.accept(message)).status, channelHooks);
        started.push(adapter);
      }
      if (env.KB_HOT_RELOAD) base.kb.watch();
      const recovered = await engine.recover();
      logger.info(
        {
          channels: [...base.channels.keys()],
          database: base.databaseDescription,
          sharedState: env.REDIS_URL ? redactRedisUrl(env.REDIS_URL) : 'in-process',
          recovered,
        },
        'Sehat worker is working the shared queue (no HTTP)',
      );
    },
    async stop() {
      // Reverse order: stop taking messages (channels, then HTTP), drain queued work, then close stores.
      clearInterval(slaTimer);
      for (const educatorConsole of consoles) await educatorConsole.stop().catch(() => {});
      for (const adapter of started.reverse()) await adapter.stop().catch(() => {});
      await http.close();
      await base.stop();
    },
  };
}
