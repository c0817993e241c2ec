import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { hashPassword } from '../../src/shared/password.ts';

/** Fake patient details planted in messages; none may appear in logs, error bodies or metrics. */
const PLANTED = ['Siti Rahmawati', '+62 812-5555-0199', '081255550199', 'Jalan Melati 12', 'NIK 3174051234567890'];

describe('patient data stays out of logs', () => {
  it('logs at info level contain ids and kinds but none of the planted names, numbers or text', async () => {
    let logs = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    const app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'info',
        EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      }),
      { logger },
    );
    const { url } = await app.start();
    try {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/webchat/socket`);
      const frames: { type: string }[] = [];
      ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'hello' }));
      const texts = [
        `my name is ${PLANTED[0]}, phone ${PLANTED[1]}, what is dengue?`,
        `saya ${PLANTED[0]} hp ${PLANTED[2]} alamat ${PLANTED[3]} ${PLANTED[4]} mau bicara dengan perawat`,
        `/human ${PLANTED[0]}`,
        `{"broken json ${PLANTED[0]}`,
      ];
      for (const [i, text] of texts.entries())
        ws.send(i === 3 ? text : JSON.stringify({ type: 'message', id: `m${i}`, text }));
      ws.send(JSON.stringify({ type: 'message', id: 'long', text: `${PLANTED[0]} `.repeat(1000) }));
      await expect
        .poll(() => frames.filter((f) => f.type === 'message').length, { timeout: 5000 })
        .toBeGreaterThanOrEqual(3);

      // The educator side: login (wrong, then right), claim, reply with the patient's name.
      const store = app.handoffStore;
      await store.createEducator({
        username: 'rina',
        displayName: 'Ns. Rina',
        passwordHash: await hashPassword('a-long-password'),
        at: new Date(),
      });
      const bad = await fetch(`${url}/educator/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'rina', password: PLANTED[0] }),
      });
      expect(await bad.text()).not.toContain(PLANTED[0]);
      const login = await fetch(`${url}/educator/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'rina', password: 'a-long-password' }),
      });
      const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
      const [handoff] = await store.listHandoffs({ status: ['waiting'] });
      await fetch(`${url}/educator/api/handoffs/${handoff?.id}/claim`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: '{}',
      });
      await fetch(`${url}/educator/api/handoffs/${handoff?.id}/reply`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `Halo ${PLANTED[0]}` }),
      });
      const badReply = await fetch(`${url}/educator/api/handoffs/${handoff?.id}/reply`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: `{"text": "${PLANTED[0]}`,
      });
      expect(badReply.status).toBe(400);
      expect(await badReply.text()).not.toContain(PLANTED[0]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      ws.close();

      expect(logs).toMatch(/"msg":"message handled"/);
      expect(logs).toMatch(/"msg":"hand-off opened"/);
      for (const secret of [...PLANTED, 'what is dengue', 'a-long-password']) {
        expect(logs, `logs contain "${secret}"`).not.toContain(secret);
        expect(metrics, `metrics contain "${secret}"`).not.toContain(secret);
      }
    } finally {
      await app.stop();
    }
  });
});
