import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BotFrameworkConfig } from '../../../adapters/botframework/config.ts';
import { createBotFrameworkAdapter } from '../../../adapters/botframework/index.ts';
import type { ChannelAdapter, ChannelHooks, InboundMessage, OutboundMessage } from '../../../src/core/types.ts';
import { createMemoryKeyValueState } from '../../../src/queue/key-value-state.ts';
import { createSilentLogger } from '../../../src/shared/logger.ts';
import {
  type BotConnectorDouble,
  sdkSettingsFor,
  startBotConnectorDouble,
} from '../../support/bot-connector-double.ts';
import { type ActivityJson, fixture } from './fixture.ts';

/**
 * The adapter through the real botbuilder CloudAdapter, against a local Bot Connector double: what the
 * adapter answers a channel, what reaches the sink, what is POSTed back, how connector errors surface.
 */
const APP_ID = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const EMULATOR: BotFrameworkConfig = { appType: 'MultiTenant' };

let double: BotConnectorDouble;
let adapter: ChannelAdapter;
let accepted: InboundMessage[];
let unreachable: [string, string][];
let sinkFails: boolean;

const hooks: ChannelHooks = {
  async deliveryStatus() {},
  async identityUnreachable(_channel, externalId, reason) {
    unreachable.push([externalId, reason]);
  },
};

async function startAdapter(config: BotFrameworkConfig) {
  adapter = createBotFrameworkAdapter(config, { logger: createSilentLogger(), kv: createMemoryKeyValueState() });
  await adapter.start(async (message) => {
    if (sinkFails) throw new Error('database is down');
    accepted.push(message);
    return 'accepted';
  }, hooks);
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  adapter.handleWebhook?.(
    new Request('http://sehat.test/api/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  ) as Promise<Response>;

const local = (name: string, overrides: Record<string, unknown> = {}): ActivityJson =>
  fixture(name, { serviceUrl: double.url, ...overrides });

function reply(inbound: InboundMessage, parts: OutboundMessage['parts']): Promise<{ platformMessageIds: string[] }> {
  return adapter.send(
    { key: inbound.key, sender: { kind: 'bot' }, parts, correlationId: 'c1' },
    { replyContext: inbound.replyContext },
  );
}

beforeEach(async () => {
  double = await startBotConnectorDouble();
  accepted = [];
  unreachable = [];
  sinkFails = false;
});
afterEach(async () => {
  await adapter?.stop();
  await double.close();
  vi.restoreAllMocks();
});

describe('Bot Framework adapter in local (Emulator) mode', () => {
  beforeEach(() => startAdapter(EMULATOR));

  it('accepts a message at once and replies to it through the conversation reference', async () => {
    const response = await post(local('emulator-message'));
    expect(response.status).toBe(200);
    expect(accepted).toHaveLength(1);
    expect(double.received).toEqual([]); // nothing is answered inside the request

    const inbound = accepted[0] as InboundMessage;
    const result = await reply(inbound, [{ kind: 'text', markdown: 'Hello' }]);
    expect(result.platformMessageIds).toEqual(['sent-1']);
    expect(double.received).toEqual([
      {
        conversationId: '9f2c1b70-3e6b-11ef-b1c7-1d3f5a7c9e21|livechat',
        replyToId: 'b71d4e20-3e6b-11ef-9a6d-4b6f0b7e2c11',
        activity: expect.objectContaining({
          type: 'message',
          text: 'Hello',
          textFormat: 'markdown',
          replyToId: 'b71d4e20-3e6b-11ef-9a6d-4b6f0b7e2c11',
          from: { id: '0c8e6f52-3e6b-11ef-8c2d-7b9a1e3f5d40', name: 'Bot', role: 'bot' },
          recipient: { id: '5e1f3c0a-7d2b-4f8e-9a61-2b7c4d9e8f10', name: 'User', role: 'user' },
        }),
      },
    ]);
  });

  it('sends typing indicators', async () => {
    await post(local('emulator-message'));
    const inbound = accepted[0] as InboundMessage;
    await adapter.indicateTyping?.(inbound.key, true, inbound.replyContext);
    expect(double.received.map((r) => r.activity.type)).toEqual(['typing']);
  });

  it('answers ignored activities with 200, and an invoke with an invoke response', async () => {
    for (const name of ['webchat-typing', 'webchat-event-join', 'teams-message-reaction', 'teams-invoke'])
      expect((await post(local(name))).status).toBe(200);
    expect(accepted).toEqual([]);
  });

  it('tells educators when a Teams patient removes the app', async () => {
    expect((await post(local('teams-installation-remove'))).status).toBe(200);
    expect(unreachable).toEqual([[expect.stringMatching(/^29:/), 'app_uninstalled']]);
  });

  it('refuses malformed requests', async () => {
    expect((await post('{"type": "message",')).status).toBe(400);
    expect((await post([1, 2])).status).toBe(400);
    expect((await post({ type: 'message', text: 'hi' })).status).toBe(400);
    const get = await adapter.handleWebhook?.(new Request('http://sehat.test/api/messages'));
    expect(get?.status).toBe(405);
    expect(accepted).toEqual([]);
  });

  it('answers 503 when the message cannot be stored, so the channel redelivers', async () => {
    sinkFails = true;
    expect((await post(local('emulator-message'))).status).toBe(503);
  });

  it('without credentials, replies only to a connector on this machine', async () => {
    const remote = fixture('emulator-message', { serviceUrl: 'http://169.254.169.254/' });
    expect((await post(remote)).status).toBe(403);
    expect(accepted).toEqual([]);
  });

  it('surfaces a 429 at once with its Retry-After (the SDK does not retry behind the outbox)', async () => {
    await post(local('emulator-message'));
    double.script({ status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'TooManyRequests' } } });
    await expect(reply(accepted[0] as InboundMessage, [{ kind: 'text', markdown: 'x' }])).rejects.toMatchObject({
      code: 'rate_limited',
      retryable: true,
      details: { retryAfterMs: 2000 },
    });
    expect(double.received).toHaveLength(1);
  });

  it('maps 5xx to a retryable failure after one request', async () => {
    await post(local('emulator-message'));
    double.script({ status: 503, body: { error: { code: 'ServiceUnavailable' } } });
    await expect(reply(accepted[0] as InboundMessage, [{ kind: 'text', markdown: 'x' }])).rejects.toMatchObject({
      code: 'send_failed',
      retryable: true,
    });
    expect(double.received).toHaveLength(1);
  });

  it('maps a 403 (the patient blocked the bot) to a permanent failure and marks the patient unreachable', async () => {
    await post(local('teams-personal-message'));
    double.script({
      status: 403,
      body: { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } },
    });
    await expect(reply(accepted[0] as InboundMessage, [{ kind: 'text', markdown: 'x' }])).rejects.toMatchObject({
      code: 'send_permanent',
      retryable: false,
      details: { platformCode: '403 ConversationBlockedByUser' },
    });
    expect(unreachable).toEqual([[expect.stringMatching(/^29:/), 'ConversationBlockedByUser']]);
  });

  it('refuses to send without a stored conversation reference', async () => {
    await expect(
      adapter.send(
        {
          key: 'botframework:abc',
          sender: { kind: 'bot' },
          parts: [{ kind: 'text', markdown: 'x' }],
          correlationId: 'c',
        },
        {},
      ),
    ).rejects.toMatchObject({ code: 'send_permanent' });
  });
});

describe('Bot Framework adapter with credentials', () => {
  beforeEach(async () => {
    // botbuilder logs every rejected token to the console; keep the test output readable.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await startAdapter({
      appId: APP_ID,
      appPassword: 'not-used-here',
      appType: 'MultiTenant',
      // The double publishes the signing keys, as login.botframework.com does for the real service.
      sdkSettings: sdkSettingsFor(double),
    });
  });

  const bearer = (claims: Record<string, unknown>, key?: 'unknown') => ({
    authorization: `Bearer ${double.signToken(claims, { key })}`,
  });

  it('accepts a request whose token botbuilder verifies (signature, issuer, audience, serviceUrl)', async () => {
    const response = await post(local('teams-personal-message'), bearer({ aud: APP_ID, serviceurl: double.url }));
    expect(response.status).toBe(200);
    expect(accepted).toHaveLength(1);
  });

  it.each([
    ['no token', {}],
    ['an unsigned token', { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.` }],
  ])('refuses %s locally with 401', async (_name, headers) => {
    expect((await post(local('teams-personal-message'), headers)).status).toBe(401);
    expect(accepted).toEqual([]);
  });

  it('refuses, through botbuilder, a token signed by another key, for another bot, or for another serviceUrl', async () => {
    const tokens = [
      bearer({ aud: APP_ID, serviceurl: double.url }, 'unknown'),
      bearer({ aud: 'someone-elses-bot', serviceurl: double.url }),
      bearer({ aud: APP_ID, serviceurl: 'https://attacker.example/' }),
    ];
    for (const headers of tokens) expect((await post(local('teams-personal-message'), headers)).status).toBe(401);
    expect(accepted).toEqual([]);
  });
});
