import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local double of Slack: the Web API (`POST /api/<method>`, form or JSON bodies, answers shaped like
 * https://docs.slack.dev/reference/methods), response_url hooks (`POST /hooks/...`), and a Socket Mode
 * WebSocket (`/socket-mode`, https://docs.slack.dev/apis/events-api/using-socket-mode). It records every
 * call and can be scripted to answer 429 (with Retry-After), 5xx, or a platform error.
 */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  token: string | undefined;
  /** What the double answered. */
  status: number;
  ok: boolean;
  /** The JSON body the double answered with. */
  response: Record<string, unknown>;
}

export interface ScriptedAnswer {
  status?: number;
  retryAfterSeconds?: number;
  body?: Record<string, unknown>;
}

export const BOT = { userId: 'U0SEHATBOT', botId: 'B0SEHATBOT', teamId: 'T0CLINIC1' };

export interface SlackDouble {
  url: string;
  apiUrl: string;
  botToken: string;
  appToken: string;
  calls: RecordedCall[];
  /** Successful calls of one method (what Slack actually accepted). */
  accepted(method: string): RecordedCall[];
  /** Messages posted to a thread (chat.postMessage with thread_ts), as plain searchable text. */
  threadText(threadTs: string): string;
  /** Answers the next calls of `method` with these, in order, before answering normally. */
  script(method: string, ...answers: ScriptedAnswer[]): void;
  /** While true, every Web API call gets HTTP 503. */
  down: boolean;
  users: Map<string, { name: string; displayName: string }>;
  /** Socket Mode: sends an envelope to the connected app and resolves with its ack. */
  sendEnvelope(envelope: { type: string; payload: unknown; accepts_response_payload?: boolean }): Promise<unknown>;
  socketConnected(): Promise<void>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The Web API client sends form bodies with JSON-encoded complex fields (blocks, view…). */
function parseParams(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return params;
}

export async function startSlackDouble(
  options: { channels?: string[]; botToken?: string; appToken?: string } = {},
): Promise<SlackDouble> {
  const botToken = options.botToken ?? 'xoxb-1111-2222-testtoken';
  const appToken = options.appToken ?? 'xapp-1-A0SEHAT-3333-testtoken';
  const channels = new Set(options.channels ?? ['C0EDUCATORS']);
  const calls: RecordedCall[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const users = new Map<string, { name: string; displayName: string }>();
  let tsCounter = 0;
  const nextTs = () => `${1_767_000_000 + Math.floor(tsCounter / 1000)}.${String(++tsCounter).padStart(6, '0')}`;
  let socket: WebSocket | undefined;
  let connected: () => void = () => {};
  const connectedPromise = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const pendingAcks = new Map<string, (payload: unknown) => void>();
  let address = '';

  function answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    const channel = String(params.channel ?? '');
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://clinic.slack.com/',
          team: 'Clinic',
          user: 'sehat',
          team_id: BOT.teamId,
          user_id: BOT.userId,
          bot_id: BOT.botId,
        };
      case 'conversations.info':
        return channels.has(channel)
          ? {
              ok: true,
              channel: { id: channel, name: 'educators', is_channel: true, is_private: false, is_member: true },
            }
          : { ok: false, error: 'channel_not_found' };
      case 'chat.postMessage': {
        if (!channels.has(channel) && !/^[UW]/.test(channel)) return { ok: false, error: 'channel_not_found' };
        const ts = nextTs();
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            user: BOT.userId,
            bot_id: BOT.botId,
            text: params.text,
            ts,
            ...(params.thread_ts ? { thread_ts: params.thread_ts } : {}),
          },
        };
      }
      case 'chat.update':
        return { ok: true, channel, ts: params.ts, text: params.text, message: { text: params.text } };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'reactions.add':
      case 'reactions.remove':
        return { ok: true };
      case 'users.info': {
        const id = String(params.user ?? '');
        const user = users.get(id);
        return user
          ? {
              ok: true,
              user: {
                id,
                team_id: BOT.teamId,
                name: user.name,
                real_name: user.displayName,
                profile: { display_name: user.displayName, real_name: user.displayName },
              },
            }
          : { ok: false, error: 'user_not_found' };
      }
      case 'views.open':
      case 'views.publish':
        return { ok: true, view: { id: `V${nextTs().replace('.', '')}`, ...(params.view as object) } };
      case 'apps.connections.open':
        return { ok: true, url: `${address.replace('http', 'ws')}/socket-mode` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  const server: Server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const path = request.url ?? '';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (path.startsWith('/hooks/')) {
      calls.push({
        method: 'response_url',
        params: JSON.parse(raw || '{}'),
        token: undefined,
        status: 200,
        ok: true,
        response: { ok: true },
      });
      return send(200, { ok: true });
    }
    const method = path.replace(/^\/api\//, '').split('?')[0] ?? '';
    const params = parseParams(raw, request.headers['content-type']);
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? (params.token as string | undefined);
    const record = (status: number, body: Record<string, unknown>) =>
      calls.push({ method, params, token, status, ok: status === 200 && body.ok === true, response: body });
    if (double.down) {
      const body = { ok: false, error: 'service_unavailable' };
      record(503, body);
      return send(503, body);
    }
    const scripted = scripts.get(method)?.shift();
    if (scripted) {
      const status = scripted.status ?? 200;
      const body =
        scripted.body ?? (status === 429 ? { ok: false, error: 'ratelimited' } : { ok: false, error: 'fatal_error' });
      record(status, body);
      return send(
        status,
        body,
        scripted.retryAfterSeconds !== undefined ? { 'retry-after': String(scripted.retryAfterSeconds) } : {},
      );
    }
    const expected = method === 'apps.connections.open' ? appToken : botToken;
    if (token !== expected) {
      const body = { ok: false, error: 'invalid_auth' };
      record(200, body);
      return send(200, body);
    }
    const body = answer(method, params);
    record(200, body);
    return send(200, body);
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, duplex, head) => {
    if (!request.url?.startsWith('/socket-mode')) return duplex.destroy();
    wss.handleUpgrade(request, duplex, head, (ws) => {
      socket = ws;
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { envelope_id?: string; payload?: unknown };
        if (frame.envelope_id) pendingAcks.get(frame.envelope_id)?.(frame.payload ?? {});
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'double', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0SEHAT' },
        }),
      );
      connected();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let envelopes = 0;

  const double: SlackDouble = {
    url: address,
    apiUrl: `${address}/api/`,
    botToken,
    appToken,
    calls,
    accepted: (method) => calls.filter((c) => c.method === method && c.ok),
    threadText: (threadTs) =>
      calls
        .filter((c) => c.method === 'chat.postMessage' && c.ok && c.params.thread_ts === threadTs)
        .map((c) => `${c.params.text}\n${JSON.stringify(c.params.blocks ?? [])}`)
        .join('\n'),
    script: (method, ...answers) => scripts.set(method, [...(scripts.get(method) ?? []), ...answers]),
    down: false,
    users,
    sendEnvelope(envelope) {
      const envelopeId = `env-${++envelopes}`;
      return new Promise((resolve, reject) => {
        if (!socket) return reject(new Error('no Socket Mode connection'));
        pendingAcks.set(envelopeId, resolve);
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            retry_attempt: 0,
            retry_reason: '',
            accepts_response_payload: false,
            ...envelope,
          }),
        );
      });
    },
    socketConnected: () => connectedPromise,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return double;
}

// --- Requests as Slack sends them -------------------------------------------------------------------

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'slack');

/** A recorded payload shape from tests/fixtures/slack, deep-merged with the test's values. */
export function fixture<T = Record<string, unknown>>(name: string, overrides: Record<string, unknown> = {}): T {
  const base = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [key, value] of Object.entries(b)) {
      const current = out[key];
      out[key] =
        value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        current &&
        typeof current === 'object' &&
        !Array.isArray(current)
          ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
          : value;
    }
    return out;
  };
  return merge(base, overrides) as T;
}

/** Signs like Slack: v0=hex(HMAC-SHA256(secret, `v0:${timestamp}:${body}`)). Written independently of verify.ts. */
export function signHeaders(secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': signature };
}

export type SlackPost = (
  path: '/slack/events' | '/slack/interactivity' | '/slack/commands',
  body: string,
  options?: { secret?: string; timestampSeconds?: number; contentType?: string; headers?: Record<string, string> },
) => Promise<Response>;

/** POSTs to Sehat's Slack routes with a correct (or, by option, wrong/stale) signature. */
export function slackPoster(baseUrl: string, signingSecret: string): SlackPost {
  return (path, body, options = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type':
          options.contentType ?? (path === '/slack/events' ? 'application/json' : 'application/x-www-form-urlencoded'),
        ...signHeaders(options.secret ?? signingSecret, body, options.timestampSeconds),
        ...options.headers,
      },
      body,
    });
}

/** Interactivity payloads arrive form-encoded in a `payload` field. */
export const interactivityBody = (payload: unknown) =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
export const commandBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
