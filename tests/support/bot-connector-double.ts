import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local double of the Bot Connector REST API (what a channel's serviceUrl points at), as the Bot
 * Framework Emulator provides one: it records the activities the bot sends and answers like the service.
 *   POST /v3/conversations/{conversationId}/activities/{activityId}   ReplyToActivity → { id }
 *   POST /v3/conversations/{conversationId}/activities                SendToConversation → { id }
 * Scripted answers (429 with Retry-After, 403 with a Teams error code, 5xx) are taken in order by the
 * next `message` activities (typing indicators are best effort and always succeed).
 * It also serves an OpenID metadata document and signing keys, so tokens it signs can be verified by
 * botbuilder exactly as it verifies the Bot Framework's own (pointed here with
 * ToBotFromChannelOpenIdMetadataUrl).
 * @see https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference?view=azure-bot-service-4.0
 * @see https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication?view=azure-bot-service-4.0#connector-to-bot
 */
export interface RecordedActivity {
  conversationId: string;
  /** From the path: the activity this one replies to (ReplyToActivity), absent for SendToConversation. */
  replyToId?: string;
  authorization?: string;
  activity: Record<string, unknown> & { type: string };
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BotConnectorDouble {
  url: string;
  /** Every activity the bot posted, in order. */
  received: RecordedActivity[];
  /** Only `message` activities (not typing). */
  messages(conversationId?: string): RecordedActivity[];
  /** The next message activities get these answers, in order; then 200 again. */
  script(...answers: ScriptedAnswer[]): void;
  openIdMetadataUrl: string;
  /** A token signed with the double's key, as the Bot Connector sends to a bot. */
  signToken(claims: Record<string, unknown>, options?: { key?: 'known' | 'unknown' }): string;
  close(): Promise<void>;
}

const ISSUER = 'https://api.botframework.com';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function sign(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url');
  return `${unsigned}.${signature}`;
}

/** RSA keys take a moment to generate: once per test process. */
let keys:
  | { known: ReturnType<typeof generateKeyPairSync>; unknown: ReturnType<typeof generateKeyPairSync> }
  | undefined;
const signingKeys = () => {
  keys ??= {
    known: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    unknown: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  };
  return keys;
};

/**
 * botbuilder settings that keep the public cloud's values but take the signing keys from this double
 * (the factory wants the whole set once any one is given).
 */
export function sdkSettingsFor(double: BotConnectorDouble): Record<string, string> {
  return {
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    ToBotFromChannelTokenIssuer: ISSUER,
    OAuthUrl: 'https://api.botframework.com',
    ToBotFromChannelOpenIdMetadataUrl: double.openIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: double.openIdMetadataUrl,
    CallerId: 'urn:botframework:azure',
  };
}

export async function startBotConnectorDouble(): Promise<BotConnectorDouble> {
  const received: RecordedActivity[] = [];
  const scripted: ScriptedAnswer[] = [];
  const { known, unknown } = signingKeys();
  let counter = 0;
  let url = '';

  const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/openid') {
      return reply(res, 200, {
        issuer: ISSUER,
        jwks_uri: `${url}/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (req.method === 'GET' && path === '/keys') {
      const jwk = known.publicKey.export({ format: 'jwk' });
      return reply(res, 200, {
        keys: [
          { ...jwk, kid: 'known-key', use: 'sig', endorsements: ['msteams', 'webchat', 'directline', 'emulator'] },
        ],
      });
    }
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    if (req.method !== 'POST' || !match) return reply(res, 404, { error: { code: 'NotFound', message: path } });
    const activity = JSON.parse(raw || '{}') as RecordedActivity['activity'];
    const answer = activity.type === 'message' ? scripted.shift() : undefined;
    received.push({
      conversationId: decodeURIComponent(match[1] ?? ''),
      ...(match[2] && { replyToId: decodeURIComponent(match[2]) }),
      ...(req.headers.authorization && { authorization: req.headers.authorization }),
      activity,
    });
    if (answer) return reply(res, answer.status, answer.body, answer.headers);
    counter += 1;
    return reply(res, 200, { id: `sent-${counter}` });
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    received,
    messages: (conversationId) =>
      received.filter(
        (r) => r.activity.type === 'message' && (conversationId === undefined || r.conversationId === conversationId),
      ),
    script: (...answers) => {
      scripted.push(...answers);
    },
    openIdMetadataUrl: `${url}/openid`,
    signToken(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const full = { iss: ISSUER, nbf: now - 60, iat: now - 60, exp: now + 3600, ...claims };
      return options.key === 'unknown'
        ? sign(full, unknown.privateKey, 'known-key')
        : sign(full, known.privateKey, 'known-key');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
