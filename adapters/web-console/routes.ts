import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { AppError, toAppError } from '../../src/core/errors.ts';
import type { HandoffStore } from '../../src/crm/handoff-store.ts';
import type { HandoffService } from '../../src/handoff/handoff-service.ts';
import type { Educator } from '../../src/handoff/types.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { PACKAGE_ROOT } from '../../src/shared/package-root.ts';
import { createSessions, SESSION_COOKIE, SESSION_TTL_MS } from './session.ts';

const STATIC_DIR = join(PACKAGE_ROOT, 'adapters', 'web-console', 'static');
const ASSETS: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

export interface WebConsoleDeps {
  service: HandoffService;
  store: HandoffStore;
  kv: KeyValueState;
  logger: Logger;
  secureCookies: boolean;
}

const loginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });
const replySchema = z.object({ text: z.string().trim().min(1).max(4000) });
const closeSchema = z.object({
  outcome: z.string().trim().min(1).max(2000),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
});
const transferSchema = z.object({ to: z.string().min(1).max(100) });

/**
 * The built-in web educator console at /educator (works with the embedded defaults): log in, see the
 * live queue, claim, read the transcript and profile, reply, release, transfer, close.
 * JSON API under /educator/api; live updates by Server-Sent Events at /educator/api/events.
 */
export function registerWebConsole(app: Hono, deps: WebConsoleDeps): void {
  const { service, store, kv, logger } = deps;
  const sessions = createSessions(store, kv);

  const page = (file: string, type: string) => (c: Context) => {
    try {
      return c.body(readFileSync(join(STATIC_DIR, file), 'utf8'), 200, {
        'content-type': type,
        'cache-control': 'no-store',
      });
    } catch {
      return c.notFound();
    }
  };
  app.get('/educator', page('index.html', 'text/html; charset=utf-8'));
  for (const [name, type] of Object.entries(ASSETS)) app.get(`/educator/${name}`, page(name, type));

  const educatorOf = (c: Context) => sessions.educatorFor(getCookie(c, SESSION_COOKIE));
  const fail = (c: Context, error: unknown) => {
    const e = toAppError(error);
    const status = e.code === 'not_found' ? 404 : e.code === 'conflict' ? 409 : e.code === 'bad_request' ? 400 : 500;
    if (status === 500) logger.error({ code: e.code, err: e.message }, 'educator console request failed');
    return c.json({ error: e.code, message: status === 500 ? 'Something went wrong.' : e.message }, status);
  };
  const parseBody = async <T>(c: Context, schema: z.ZodType<T>): Promise<T> => {
    const body = await c.req.json().catch(() => {
      throw new AppError('bad_request', 'the body must be JSON');
    });
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new AppError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return parsed.data;
  };
  /** Every API route but login needs a session; POSTs must be JSON (a cross-site form cannot send JSON). */
  const authed = (handler: (c: Context, educator: Educator) => Promise<Response>) => async (c: Context) => {
    const educator = await educatorOf(c);
    if (!educator) return c.json({ error: 'unauthorized', message: 'Please log in.' }, 401);
    if (c.req.method === 'POST' && !c.req.header('content-type')?.includes('application/json')) {
      return c.json({ error: 'bad_request', message: 'Send JSON.' }, 415);
    }
    try {
      return await handler(c, educator);
    } catch (error) {
      return fail(c, error);
    }
  };

  app.post('/educator/api/login', async (c) => {
    try {
      const { username, password } = await parseBody(c, loginSchema);
      const result = await sessions.login(username, password);
      if (!result.ok) {
        logger.warn({ reason: result.reason }, 'educator login refused');
        return c.json(
          {
            error: 'unauthorized',
            message:
              result.reason === 'locked'
                ? 'Too many failed attempts; try again in 15 minutes.'
                : 'Wrong username or password.',
          },
          result.reason === 'locked' ? 429 : 401,
        );
      }
      setCookie(c, SESSION_COOKIE, result.token, {
        httpOnly: true,
        sameSite: 'Strict',
        secure: deps.secureCookies,
        path: '/educator',
        maxAge: SESSION_TTL_MS / 1000,
      });
      return c.json({ educator: result.educator });
    } catch (error) {
      return fail(c, error);
    }
  });
  app.post('/educator/api/logout', async (c) => {
    await sessions.logout(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/educator' });
    return c.json({ ok: true });
  });
  app.get(
    '/educator/api/me',
    authed(async (c, educator) => c.json({ educator })),
  );
  app.get(
    '/educator/api/educators',
    authed(async (c) => c.json({ educators: await store.listEducators() })),
  );
  app.get(
    '/educator/api/queue',
    authed(async (c) => c.json({ handoffs: await service.queueViews() })),
  );
  app.get(
    '/educator/api/handoffs/:id',
    authed(async (c) => {
      const id = c.req.param('id') ?? '';
      return c.json({ view: await service.view(id), transcript: await service.transcript(id) });
    }),
  );
  app.post(
    '/educator/api/handoffs/:id/claim',
    authed(async (c, educator) => {
      const result = await service.claim(c.req.param('id') ?? '', educator);
      if (result.status === 'claimed') return c.json({ ok: true, handoff: result.handoff });
      if (result.status === 'not_found') return c.json({ error: 'not_found', message: 'No such chat.' }, 404);
      return c.json(
        {
          error: 'conflict',
          message: result.by ? `${result.by.displayName} already took this chat.` : 'This chat was already taken.',
          claimedBy: result.by ?? null,
        },
        409,
      );
    }),
  );
  app.post(
    '/educator/api/handoffs/:id/reply',
    authed(async (c, educator) => {
      const { text } = await parseBody(c, replySchema);
      await service.reply(c.req.param('id') ?? '', educator, text);
      return c.json({ ok: true });
    }),
  );
  app.post(
    '/educator/api/handoffs/:id/release',
    authed(async (c, educator) => {
      const ok = await service.release(c.req.param('id') ?? '', educator);
      return ok
        ? c.json({ ok })
        : c.json({ error: 'conflict', message: 'Only the educator who has the chat can release it.' }, 409);
    }),
  );
  app.post(
    '/educator/api/handoffs/:id/transfer',
    authed(async (c, educator) => {
      const { to } = await parseBody(c, transferSchema);
      const target = await store.findEducatorByUsername(to);
      if (!target) return c.json({ error: 'not_found', message: `No educator "${to}".` }, 404);
      const ok = await service.transfer(c.req.param('id') ?? '', educator, target);
      return ok
        ? c.json({ ok })
        : c.json({ error: 'conflict', message: 'Only the educator who has the chat can transfer it.' }, 409);
    }),
  );
  app.post(
    '/educator/api/handoffs/:id/close',
    authed(async (c, educator) => {
      const { outcome, tags } = await parseBody(c, closeSchema);
      const ok = await service.close(c.req.param('id') ?? '', educator, outcome, tags);
      return ok ? c.json({ ok }) : c.json({ error: 'conflict', message: 'This chat is already closed.' }, 409);
    }),
  );
  app.get(
    '/educator/api/events',
    authed(async (c) =>
      streamSSE(c, async (stream) => {
        let closed = false;
        const unsubscribe = service.subscribe((event) => {
          if (!closed) void stream.writeSSE({ event: 'handoff', data: JSON.stringify(event) });
        });
        stream.onAbort(() => {
          closed = true;
          unsubscribe();
        });
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (!closed) {
          await stream.sleep(20_000);
          if (!closed) await stream.writeSSE({ event: 'ping', data: '{}' });
        }
      }),
    ),
  );
}
