import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/crm/open-database.ts';
import { createSqlHandoffStore } from '../../src/crm/sql-handoff-store.ts';
import { hashPassword } from '../../src/shared/password.ts';
import { chatClient, educatorSession, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from '../support/services.ts';

const ready = (await postgresAvailable('two server processes')) && (await redisAvailable('two server processes'));

describe.runIf(ready)('two server processes on one PostgreSQL and one Redis', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    const opened = await openDatabase(database.url);
    const store = createSqlHandoffStore(opened);
    for (const [username, name] of [
      ['rina', 'Ns. Rina'],
      ['budi', 'Ns. Budi'],
    ] as const) {
      await store.createEducator({
        username,
        displayName: name,
        passwordHash: await hashPassword('a-long-password'),
        at: new Date(),
      });
    }
    await opened.close();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: `sehat-test-${process.pid}-${Date.now()}:`,
      EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('a hand-off opened through one process is claimed through the other; of two claims at once exactly one wins', async () => {
    const patient = await chatClient(a.url);
    patient.send('saya mau bicara dengan perawat');
    await expect
      .poll(() => patient.frames.some((f) => f.type === 'message' && JSON.stringify(f).includes('antrean')), {
        timeout: 10_000,
      })
      .toBe(true);

    const rinaOnB = await educatorSession(b.url, 'rina', 'a-long-password');
    const budiOnA = await educatorSession(a.url, 'budi', 'a-long-password');
    const queue = (await (await rinaOnB('/educator/api/queue')).json()) as {
      handoffs: { handoff: { id: string; reason: string } }[];
    };
    expect(queue.handoffs).toHaveLength(1);
    const id = queue.handoffs[0]?.handoff.id;
    expect(queue.handoffs[0]?.handoff.reason).toBe('human_request');

    const [fromB, fromA] = await Promise.all([
      rinaOnB(`/educator/api/handoffs/${id}/claim`, {}),
      budiOnA(`/educator/api/handoffs/${id}/claim`, {}),
    ]);
    expect([fromB.status, fromA.status].sort()).toEqual([200, 409]);
    const loser = fromB.status === 409 ? fromB : fromA;
    expect(((await loser.json()) as { message: string }).message).toMatch(/already took this chat/);

    // The winner replies from their process; the patient, connected to process A, receives it.
    const winner = fromB.status === 200 ? rinaOnB : budiOnA;
    expect(
      (await winner(`/educator/api/handoffs/${id}/reply`, { text: 'Halo, saya edukator kesehatan.' })).status,
    ).toBe(200);
    await expect
      .poll(
        () => patient.frames.some((f) => f.type === 'message' && JSON.stringify(f).includes('Halo, saya edukator')),
        { timeout: 10_000 },
      )
      .toBe(true);
    patient.close();
  });

  it('reports both the database and Redis as ready', async () => {
    const body = (await (await fetch(`${a.url}/readyz`)).json()) as { checks: { name: string; ok: boolean }[] };
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['database', true],
      ['redis', true],
    ]);
  });
});
