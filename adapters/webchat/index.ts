import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { describeError } from '../../src/core/errors.ts';
import type { ChannelAdapter, ConversationKey, InboundSink } from '../../src/core/types.ts';
import { createInProcessMessageBus, type MessageBus } from '../../src/queue/message-bus.ts';
import { newId, newSecretToken } from '../../src/shared/ids.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { type ClientFrame, type HistoryItem, parseClientFrame, type ServerFrame } from './protocol.ts';
import { renderMessageFrame } from './render.ts';

export interface WebchatConfig {
  maxTextLength: number;
  /** Origins allowed to open the socket; the server's own origin always is; '*' allows any. */
  allowedOrigins: string[];
  publicUrl: string;
  logger: Logger;
  /** Transcript for a returning browser (from the CRM). */
  loadHistory: (key: ConversationKey) => Promise<HistoryItem[]>;
  /** Largest frame accepted; larger frames close the socket (1009). */
  maxFrameBytes?: number;
  heartbeatMs?: number;
  /** Reaches sockets held by other processes (Redis); in-process by default. */
  bus?: MessageBus;
}

export const WEBCHAT_SOCKET_PATH = '/webchat/socket';
const SESSION_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface WebchatAdapter extends ChannelAdapter {
  /** Hands an HTTP upgrade to the socket server; returns false when the request isn't ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Open browser sockets (for readiness and tests). */
  connectionCount(): number;
}

/**
 * The web chat channel: a WebSocket per browser tab, a session token in the browser's localStorage as the
 * patient's identity (`webchat:<token>`), and replies pushed to every open tab of that session.
 */
export function createWebchatAdapter(config: WebchatConfig): WebchatAdapter {
  const { logger } = config;
  const sockets = new Map<ConversationKey, Set<WebSocket>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes ?? 256 * 1024 });
  const alive = new WeakSet<WebSocket>();
  let sink: InboundSink | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const ownOrigin = new URL(config.publicUrl).origin;

  const sendFrame = (ws: WebSocket, frame: ServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const broadcastLocal = (key: ConversationKey, frame: ServerFrame) => {
    for (const ws of sockets.get(key) ?? []) sendFrame(ws, frame);
  };
  // Replies may be produced by a worker in another process than the one holding the patient's socket.
  const bus = config.bus ?? createInProcessMessageBus();
  const unsubscribe = bus.subscribe('webchat', (payload) => {
    const { key, frame } = payload as { key: ConversationKey; frame: ServerFrame };
    broadcastLocal(key, frame);
  });
  const broadcast = (key: ConversationKey, frame: ServerFrame) => {
    bus
      .publish('webchat', { key, frame })
      .catch((error) => logger.error({ channel: 'webchat', ...describeError(error) }, 'web chat fan-out failed'));
  };

  const originAllowed = (origin: string | undefined, host: string | undefined) => {
    if (!origin) return true; // not a browser (curl, tests): nothing to protect against
    if (config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin) || origin === ownOrigin)
      return true;
    return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
  };

  async function onFrame(ws: WebSocket, state: { key?: ConversationKey }, frame: ClientFrame) {
    if (frame.type === 'ping') return sendFrame(ws, { type: 'pong' });
    if (frame.type === 'hello') {
      const session = frame.session && SESSION_PATTERN.test(frame.session) ? frame.session : newSecretToken();
      const key: ConversationKey = `webchat:${session}`;
      if (state.key) sockets.get(state.key)?.delete(ws);
      state.key = key;
      sockets.set(key, (sockets.get(key) ?? new Set()).add(ws));
      const history = await config.loadHistory(key);
      return sendFrame(ws, { type: 'welcome', session, history });
    }
    if (!state.key)
      return sendFrame(ws, { type: 'error', code: 'hello_first', message: 'Send a hello frame first.', id: frame.id });
    if (!sink)
      return sendFrame(ws, {
        type: 'error',
        code: 'unavailable',
        message: 'The chat is starting; please retry.',
        id: frame.id,
      });
    const session = state.key.slice('webchat:'.length);
    try {
      const outcome = await sink({
        id: frame.id,
        channel: 'webchat',
        key: state.key,
        from: { externalId: session },
        receivedAt: new Date(),
        content:
          frame.type === 'message'
            ? { kind: 'text', text: frame.text.trim() }
            : { kind: 'choice', choiceId: frame.choiceId, ...(frame.label && { label: frame.label }) },
      });
      sendFrame(ws, { type: 'ack', id: frame.id });
      if (outcome === 'accepted' && frame.type === 'message') {
        const echo: ServerFrame = { type: 'echo', id: frame.id, text: frame.text.trim(), at: new Date().toISOString() };
        for (const other of sockets.get(state.key) ?? []) if (other !== ws) sendFrame(other, echo);
      }
    } catch (error) {
      logger.error({ channel: 'webchat', ...describeError(error) }, 'web chat message not accepted');
      sendFrame(ws, {
        type: 'error',
        code: 'unavailable',
        message: 'Your message could not be saved. It will be re-sent.',
        id: frame.id,
      });
    }
  }

  wss.on('connection', (ws: WebSocket) => {
    const state: { key?: ConversationKey } = {};
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientFrame(isBinary ? '' : data.toString('utf8'), config.maxTextLength);
      if ('error' in parsed) {
        logger.info({ channel: 'webchat', code: parsed.error.code }, 'web chat frame rejected');
        return sendFrame(ws, parsed.error);
      }
      onFrame(ws, state, parsed.frame).catch((error) =>
        logger.error({ channel: 'webchat', ...describeError(error) }, 'web chat frame failed'),
      );
    });
    ws.on('close', () => {
      if (state.key) sockets.get(state.key)?.delete(ws);
      if (state.key && sockets.get(state.key)?.size === 0) sockets.delete(state.key);
    });
    ws.on('error', () => ws.terminate());
  });

  return {
    id: 'webchat',
    capabilities: { maxTextLength: 4000, choices: 'buttons', maxButtons: 8, markdown: 'basic' },
    async start(s) {
      sink = s;
      // Heartbeat: drop sockets whose browser vanished without closing (phones losing signal).
      heartbeat = setInterval(() => {
        for (const ws of wss.clients) {
          if (!alive.has(ws)) {
            ws.terminate();
            continue;
          }
          alive.delete(ws);
          ws.ping();
        }
      }, config.heartbeatMs ?? 30_000);
      heartbeat.unref();
    },
    async stop() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    async send(message) {
      const id = newId('wc_');
      broadcast(message.key, { type: 'typing', on: false });
      broadcast(message.key, renderMessageFrame(message, id, new Date()));
      // A patient with no tab open still gets the reply: it is in the CRM and shown as history on return.
      return { platformMessageIds: [id] };
    },
    async indicateTyping(key, on) {
      broadcast(key, { type: 'typing', on });
    },
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== WEBCHAT_SOCKET_PATH) return false;
      if (!originAllowed(request.headers.origin, request.headers.host)) {
        logger.warn(
          { channel: 'webchat', origin: request.headers.origin },
          'web chat socket refused: origin not allowed',
        );
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return true;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      return true;
    },
    connectionCount: () => wss.clients.size,
  };
}
