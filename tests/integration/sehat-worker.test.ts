import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countByStatus, inspectCrm } from '../support/crm-inspect.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from '../support/services.ts';
import { startTelegramDouble, type TelegramDouble } from '../support/telegram-double.ts';
import { deliverUpdates, shownByChat, textUpdate, WEBHOOK_SECRET, waitFor } from '../support/telegram-platform.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

/**
 * `sehat worker` works the shared queue without serving HTTP: Telegram's webhooks go to `sehat serve`, and
 * the worker takes its share of the conversations and sends their replies. `sehat serve --workers N` runs
 * N of them next to the server and stops them with it.
 */
const suite = 'sehat worker and serve --workers';
const ready = (await postgresAvailable(suite)) && (await redisAvailable(suite));
const DENGUE_TITLE = 'Dengue fever (DBD): symptoms and home care';

describe.runIf(ready)(suite, () => {
  let double: TelegramDouble;
  const running: { stop(signal?: NodeJS.Signals): Promise<unknown> }[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let nextChat = 6_400_000;

  beforeAll(async () => {
    double = await startTelegramDouble();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    await double?.close();
  });

  async function setup() {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const prefix = `sehat-worker-${process.pid}-${Date.now()}:`;
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      WEBCHAT_ENABLED: 'false',
      PUBLIC_URL: 'https://sehat.example.org',
      EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      TELEGRAM_BOT_TOKEN: double.token,
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_API_ROOT: double.url,
    };
    return { env, databaseUrl: database.url, prefix };
  }

  /** Posts `count` updates from new chats to the server and waits until each chat got the dengue answer. */
  async function askAndWait(server: ServerProcess, count: number): Promise<number[]> {
    const chats = Array.from({ length: count }, () => nextChat++);
    const report = await deliverUpdates(
      chats.map((chat) => textUpdate(chat, chat, 1, 'what is dengue?')),
      { url: server.url, concurrency: 5 },
    );
    expect(report.undelivered).toEqual([]);
    await waitFor(
      () => {
        const shown = shownByChat(double);
        return chats.every((chat) => (shown.get(String(chat)) ?? []).some((t) => t.includes(DENGUE_TITLE)));
      },
      60_000,
      'every chat answered',
    );
    return chats;
  }

  const handledBy = (output: string) => output.split('\n').filter((l) => l.includes('"msg":"message handled"')).length;

  it('a worker process (no HTTP) handles part of the webhooks the server takes in, and sends their replies', async () => {
    const { env, databaseUrl } = await setup();
    const server = await startServerProcess(env);
    running.push(server);
    const worker: WorkerProcess = await startWorkerProcess(env);
    running.push(worker);
    expect(worker.output()).not.toMatch(/listening/);

    // The server held every partition alone; the worker gets its share within a lease round or two.
    let asked = 0;
    for (let wave = 0; wave < 8 && handledBy(worker.output()) === 0; wave++) {
      asked += (await askAndWait(server, 10)).length;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(handledBy(worker.output())).toBeGreaterThan(0);
    expect(handledBy(server.output())).toBeGreaterThan(0);
    expect(handledBy(worker.output()) + handledBy(server.output())).toBe(asked);

    const crm = await inspectCrm(databaseUrl);
    try {
      await waitFor(async () => !countByStatus(await crm.messages())['out:pending'], 30_000, 'replies marked sent');
      const counts = countByStatus(await crm.messages());
      expect(counts).toEqual({ 'in:processed': asked, 'out:sent': 2 * asked }); // greeting + answer each
    } finally {
      await crm.close();
    }
    // SIGTERM: the worker drains and exits cleanly.
    expect(await worker.stop('SIGTERM')).toBe(0);
  }, 240_000);

  it('`serve --workers 1` starts a worker process, shares the queue with it, and stops it on SIGTERM', async () => {
    const { env, prefix } = await setup();
    const server = await startServerProcess(env, ['serve', '--workers', '1']);
    running.push(server);
    await waitFor(() => server.output().includes('Sehat worker is working the shared queue'), 30_000, 'the worker');
    const started = server
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"worker process started"'));
    const workerPid = Number(JSON.parse(started ?? '{}').pid);
    expect(workerPid).toBeGreaterThan(0);

    await askAndWait(server, 10);
    // Both processes are live consumers of the shared queue.
    const redis = new Redis(REDIS_URL);
    try {
      const consumers = await redis.zrange(`${prefix}jobs:consumers`, 0, -1);
      expect(consumers).toHaveLength(2);
    } finally {
      redis.disconnect();
    }

    expect(await server.stop('SIGTERM')).toBe(0);
    const alive = () => {
      try {
        process.kill(workerPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(() => !alive(), 20_000, 'the worker process to exit');
  }, 240_000);

  it('refuses to run a worker without Redis, saying why', async () => {
    const { env } = await setup();
    const { REDIS_URL: _none, ...withoutRedis } = env;
    const worker = startWorkerProcess({ ...withoutRedis, REDIS_URL: '' });
    await expect(worker).rejects.toThrow(/REDIS_URL: `sehat worker` needs the shared queue in Redis/);
  }, 60_000);
});
