import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../shared/logger.ts';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface HttpServerOptions {
  logger: Logger;
  /** Largest request body accepted (WhatsApp media webhooks can be a few MB). */
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
  upgradeHandlers: UpgradeHandler[];
  /** Adds the app's own routes (pages, webhooks, admin API). */
  routes: (app: Hono) => void;
}

export interface HttpServer {
  app: Hono;
  listen(port: number, host: string): Promise<{ url: string; server: Server }>;
  close(): Promise<void>;
}

/** Hono on Node: web-standard Request/Response, testable with app.request() without a socket. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger } = options;
  const app = new Hono();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        frameAncestors: ['*'], // the widget iframes the chat into clinics' own sites
      },
      xFrameOptions: false,
      // Routes may set their own value (the widget and chat page are loaded by clinics' own sites).
      overwrite: false,
    }),
  );
  app.use(
    '*',
    bodyLimit({ maxSize: options.bodyLimitBytes, onError: (c) => c.json({ error: 'payload_too_large' }, 413) }),
  );
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await check();
          return { name, ok: true };
        } catch (error) {
          return { name, ok: false, error: (error as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: results }, ready ? 200 : 503);
  });
  options.routes(app);
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  app.onError((error, c) => {
    logger.error({ err: error.message, path: c.req.path }, 'http handler failed');
    return c.json({ error: 'internal_error' }, 500);
  });

  let server: Server | undefined;
  return {
    app,
    listen(port, host) {
      return new Promise((resolve) => {
        server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve({ url: `http://${shownHost}:${info.port}`, server: server as Server });
        }) as Server;
        server.on('upgrade', (request, socket, head) => {
          if (!options.upgradeHandlers.some((handle) => handle(request, socket, head))) socket.destroy();
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
