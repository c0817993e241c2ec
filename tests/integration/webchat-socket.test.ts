import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerFrame } from '../../adapters/webchat/protocol.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createSilentLogger } from '../../src/shared/logger.ts';

/** A browser-like client that collects frames and can wait for one. */
async function connect(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/webchat/socket`, { headers });
  const frames: ServerFrame[] = [];
  const waiters: { test: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as ServerFrame;
    frames.push(frame);
    for (const w of [...waiters])
      if (w.test(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next: <T extends ServerFrame['type']>(
      type: T,
      test: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    ) =>
      new Promise<Extract<ServerFrame, { type: T }>>((resolve, reject) => {
        const found = frames.find((f) => f.type === type && test(f as Extract<ServerFrame, { type: T }>));
        if (found) return resolve(found as Extract<ServerFrame, { type: T }>);
        const timer = setTimeout(
          () => reject(new Error(`no ${type} frame within 5 s; got ${frames.map((f) => f.type).join(',')}`)),
          5000,
        );
        waiters.push({
          test: (f) => f.type === type && test(f as Extract<ServerFrame, { type: T }>),
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f as Extract<ServerFrame, { type: T }>);
          },
        });
      }),
  };
}

describe('web chat socket protocol', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        WEBCHAT_ALLOWED_ORIGINS: 'https://clinic.example',
      }),
      { logger: createSilentLogger() },
    );
    ({ url } = await app.start());
  });
  afterAll(async () => {
    await app.stop();
  });

  it('greets a new browser with a session and answers a question with an article', async () => {
    const client = await connect(url);
    client.send({ type: 'hello' });
    const welcome = await client.next('welcome');
    expect(welcome.session).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(welcome.history).toEqual([]);
    client.send({ type: 'message', id: 'm1', text: 'what is dengue?' });
    await client.next('ack', (f) => f.id === 'm1');
    const answer = await client.next('message', (f) => f.parts.some((p) => p.kind === 'article'));
    expect(answer.parts.find((p) => p.kind === 'article')).toMatchObject({ articleId: 'dengue' });
    client.ws.close();
  });

  it('restores the history when the same session comes back (a page reload)', async () => {
    const first = await connect(url);
    first.send({ type: 'hello' });
    const { session } = await first.next('welcome');
    first.send({ type: 'message', id: 'r1', text: 'what is tuberculosis?' });
    await first.next('message', (f) => f.parts.some((p) => p.kind === 'article'));
    first.ws.close();
    const again = await connect(url);
    again.send({ type: 'hello', session });
    const welcome = await again.next('welcome');
    expect(welcome.session).toBe(session);
    expect(welcome.history.filter((h) => h.direction === 'in').map((h) => h.text)).toEqual(['what is tuberculosis?']);
    expect(welcome.history.some((h) => h.direction === 'out' && h.parts?.some((p) => p.kind === 'article'))).toBe(true);
    again.ws.close();
  });

  it('answers bad frames with a clear error and keeps the connection and the server working', async () => {
    const client = await connect(url);
    client.send('{not json');
    expect((await client.next('error')).code).toBe('invalid_json');
    client.send({ type: 'message', id: 'early', text: 'hi' });
    expect((await client.next('error', (f) => f.id === 'early')).code).toBe('hello_first');
    client.send({ type: 'hello' });
    await client.next('welcome');
    client.send({ type: 'message', id: 'e1', text: '   ' });
    expect((await client.next('error', (f) => f.id === 'e1')).code).toBe('empty_text');
    client.send({ type: 'message', id: 'big', text: 'a'.repeat(100_000) });
    expect((await client.next('error', (f) => f.id === 'big')).code).toBe('too_long');
    client.send({ type: 'sticker', id: 's1' });
    expect((await client.next('error', (f) => f.id === 's1')).code).toBe('unknown_type');
    client.send({ type: 'message', id: 42 });
    expect((await client.next('error', (f) => f.code === 'bad_frame')).message).toMatch(/message frame/);
    // Still usable, and nothing was stored for the rejected frames.
    client.send({ type: 'message', id: 'ok1', text: 'what is hypertension?' });
    await client.next('message', (f) => f.parts.some((p) => p.kind === 'article'));
    const conversations = await Promise.all([
      app.crm.findConversationByKey(
        `webchat:${(client.frames.find((f) => f.type === 'welcome') as { session: string }).session}`,
      ),
    ]);
    const stored = await app.crm.listMessages(conversations[0]?.id ?? '');
    expect(stored.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(['what is hypertension?']);
    client.ws.close();
  });

  it('processes a message re-sent with the same id once (a reconnect retry)', async () => {
    const client = await connect(url);
    client.send({ type: 'hello' });
    const { session } = await client.next('welcome');
    client.send({ type: 'message', id: 'dup-1', text: 'what is asthma?' });
    client.send({ type: 'message', id: 'dup-1', text: 'what is asthma?' });
    await client.next('message', (f) => f.parts.some((p) => p.kind === 'article'));
    await new Promise((r) => setTimeout(r, 300));
    const conversation = await app.crm.findConversationByKey(`webchat:${session}`);
    const stored = await app.crm.listMessages(conversation?.id ?? '');
    expect(stored.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(client.frames.filter((f) => f.type === 'ack' && f.id === 'dup-1')).toHaveLength(2);
    expect(client.frames.filter((f) => f.type === 'message' && f.parts.some((p) => p.kind === 'article'))).toHaveLength(
      1,
    );
    client.ws.close();
  });

  it('refuses sockets from sites that are not allowed to embed the chat', async () => {
    await expect(connect(url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const allowed = await connect(url, { origin: 'https://clinic.example' });
    allowed.ws.close();
  });

  it('serves the chat page, the widget and health checks', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${url}/widget.js`)).headers.get('content-type')).toContain('javascript');
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('exposes Prometheus metrics with message counts and no patient text', async () => {
    const body = await (await fetch(`${url}/metrics`)).text();
    expect(body).toMatch(/sehat_messages_in_total\{channel="webchat",kind="text"\} \d+/);
    expect(body).toMatch(/sehat_messages_out_total\{channel="webchat",status="sent"\} \d+/);
    expect(body).toMatch(/sehat_answer_seconds_bucket/);
    expect(body).toMatch(/sehat_handoffs_waiting \d+/);
    expect(body).not.toMatch(/dengue|hypertension/i);
  });
});
