import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  type Request as SdkRequest,
  type Response as SdkResponse,
  TurnContext,
} from 'botbuilder';
import type { BotConversationReference } from './activity.ts';
import { type BotFrameworkConfig, toSdkSettings } from './config.ts';

/**
 * The only module that uses botbuilder at run time (render.ts imports its types). Microsoft has announced
 * the Bot Framework SDK's retirement in favour of the Microsoft 365 Agents SDK: swapping SDKs means
 * rewriting this file (and the types in render.ts), nothing outside adapters/botframework/.
 */
export interface BotConnector {
  /**
   * Verifies the request's token with botbuilder (the same check CloudAdapter.process makes) to answer
   * precisely: a bad signature is 'unauthorized' (process itself would answer 500 for it), a failure to
   * fetch the Bot Framework's signing keys is 'unavailable' (the channel retries).
   */
  authenticate(
    activity: Record<string, unknown>,
    authorization: string,
  ): Promise<'ok' | 'unauthorized' | 'unavailable'>;
  /** CloudAdapter.process: authenticates the request (JWT) and runs `logic` with the turn's activity. */
  process(req: SdkRequest, res: SdkResponse, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  /**
   * Sends activities into the conversation of `reference`, proactively (CloudAdapter.continueConversationAsync),
   * as replies to the reference's activity. `beforeEach` paces. Returns the connector's activity ids.
   */
  send(
    reference: BotConversationReference,
    activities: Partial<Activity>[],
    beforeEach?: () => Promise<void>,
  ): Promise<string[]>;
}

type BotFrameworkAuthentication = ConstructorParameters<typeof CloudAdapter>[0] & {};
type ConnectorFactory = ReturnType<BotFrameworkAuthentication['createConnectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;

/**
 * The connector client's HTTP pipeline retries 429 and 5xx by itself (three times, honouring Retry-After).
 * Sehat's outbox already retries sends with backoff and records failures, so a second, hidden retry loop
 * would multiply waits and hold the conversation: the SDK's retry phase is removed and errors surface at
 * once. (The pipeline sits on a private field; tests/unit/botframework/adapter.test.ts fails if an SDK
 * upgrade moves it.)
 */
function withoutSdkRetries(connector: ConnectorClient): ConnectorClient {
  const pipeline = (
    connector as unknown as { client?: { pipeline?: { removePolicy(o: { phase: 'Retry' }): unknown } } }
  ).client?.pipeline;
  pipeline?.removePolicy({ phase: 'Retry' });
  return connector;
}

const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/** botbuilder raises AuthenticationError(401), jsonwebtoken's errors, or fetch/metadata errors (500). */
export function authenticationFailure(error: unknown): 'unauthorized' | 'unavailable' {
  const e = (error && typeof error === 'object' ? error : {}) as {
    statusCode?: unknown;
    name?: unknown;
    code?: unknown;
  };
  if (typeof e.name === 'string' && JWT_ERRORS.has(e.name)) return 'unauthorized';
  if (typeof e.statusCode === 'number') return e.statusCode >= 500 ? 'unavailable' : 'unauthorized';
  if (e.name === 'FetchError' || error instanceof TypeError || (typeof e.code === 'string' && e.code.startsWith('E')))
    return 'unavailable';
  return 'unauthorized';
}

export function createBotConnector(config: BotFrameworkConfig): BotConnector {
  const auth = new ConfigurationBotFrameworkAuthentication(toSdkSettings(config));
  const createConnectorFactory = auth.createConnectorFactory.bind(auth);
  auth.createConnectorFactory = (identity) => {
    const factory = createConnectorFactory(identity);
    return { create: async (serviceUrl, audience) => withoutSdkRetries(await factory.create(serviceUrl, audience)) };
  };
  const adapter = new CloudAdapter(auth);

  return {
    async authenticate(activity, authorization) {
      try {
        await auth.authenticateRequest(activity as Partial<Activity> as Activity, authorization);
        return 'ok';
      } catch (error) {
        return authenticationFailure(error);
      }
    },
    process: (req, res, logic) => adapter.process(req, res, logic),
    async send(reference, activities, beforeEach) {
      const ids: string[] = [];
      await adapter.continueConversationAsync(
        config.appId ?? '',
        reference as ConversationReference,
        async (context) => {
          for (const draft of activities) {
            await beforeEach?.();
            // Routing from the stored reference: replyToId is the patient's message (POST …/activities/{id}).
            const activity = TurnContext.applyConversationReference(
              { ...draft },
              reference as ConversationReference,
            ) as Activity;
            const [response] = await context.adapter.sendActivities(context, [activity]);
            ids.push(response?.id ?? '');
          }
        },
      );
      return ids;
    },
  };
}
