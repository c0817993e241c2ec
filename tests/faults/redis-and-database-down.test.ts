import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrmInspector, countByStatus, inspectCrm } from '../support/crm-inspect.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from '../support/services.ts';
import { startTcpProxy, type TcpProxy, targetOf } from '../support/tcp-proxy.ts';
import { startTelegramDouble, type TelegramDouble } from '../support/telegram-double.ts';
import { deliverUpdates, shownByChat, textUpdate, WEBHOOK_SECRET, waitFor } from '../support/telegram-platform.ts';

/**
 * Acceptance: "Redis down and DB down during a burst of 100 webhook deliveries → the platform double sees
 * 503s and redelivers, and after recovery exactly 100 messages are in the CRM and 100 replies were sent."
 *
 * A real `sehat serve` process reaches PostgreSQL and Redis only through TCP proxies the test can cut (every
 * connection reset, new ones refused). The test plays Telegram: 100 updates from 100 chats, one every
 * 100 ms, each redelivered until it gets a 2xx. During the burst the database is cut for 6 s, and later
 * Redis for 12 s.
 */
const suite = 'fault test: Redis and PostgreSQL down during a webhook burst';
const ready = (await postgresAvailable(suite)) && (await redisAvailable(suite));

const UPDATES = 100;
/**
 * Outages longer than the job queue's retries (about 3 s) and the outbox's send retries (about 4 s) last on
 * their own: a store being down must not use them up.
 */
const DATABASE_OUTAGE_MS = 6_000;
const REDIS_OUTAGE_MS = 12_000;
const FIRST_CHAT = 7_100_000;
const DENGUE_TITLE = 'Dengue fever (DBD): symptoms and home care';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe.runIf(ready)(suite, () => {
  let database: { url: string; drop(): Promise<void> };
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let double: TelegramDouble;
  let server: ServerProcess;
  let crm: CrmInspector;

  beforeAll(async () => {
    database = await createTestDatabase();
    pgProxy = await startTcpProxy(targetOf(database.url, 5432));
    redisProxy = await startTcpProxy(targetOf(REDIS_URL, 6379));
    double = await startTelegramDouble();
    server = await startServerProcess({
      DATABASE_URL: pgProxy.urlFor(database.url),
      REDIS_URL: redisProxy.urlFor(REDIS_URL),
      REDIS_PREFIX: `sehat-fault-${process.pid}-${Date.now()}:`,
      WEBCHAT_ENABLED: 'false',
      PUBLIC_URL: 'https://sehat.example.org',
      EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      TELEGRAM_BOT_TOKEN: double.token,
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_API_ROOT: double.url,
    });
    crm = await inspectCrm(database.url); // directly, not through the proxy
    // Telegram takes a moment to answer, so replies are on the wire when a store goes down.
    double.setGate((method) => (method === 'sendMessage' ? sleep(150) : undefined));
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await crm?.close();
    await double?.close();
    await pgProxy?.close();
    await redisProxy?.close();
    await database?.drop();
  });

  it('answers 503 while a store is down, loses nothing, and after recovery has 100 messages and 100 replies', async () => {
    const updates = Array.from({ length: UPDATES }, (_, i) =>
      textUpdate(500_000 + i, FIRST_CHAT + i, 10 + i, 'what is dengue?'),
    );
    const outages: { store: string; fromMs: number; toMs: number }[] = [];
    const started = Date.now();
    // The faults, on a clock, while the platform delivers one update every 100 ms.
    const faults = (async () => {
      await sleep(2_000);
      pgProxy.cut();
      const dbFrom = Date.now() - started;
      await sleep(DATABASE_OUTAGE_MS);
      pgProxy.restore();
      outages.push({ store: 'database', fromMs: dbFrom, toMs: Date.now() - started });
      await sleep(1_500);
      redisProxy.cut();
      const redisFrom = Date.now() - started;
      await sleep(REDIS_OUTAGE_MS);
      redisProxy.restore();
      outages.push({ store: 'redis', fromMs: redisFrom, toMs: Date.now() - started });
    })();
    const report = await deliverUpdates(updates, {
      url: server.url,
      concurrency: 8,
      spacingMs: 100,
      maxAttempts: 80,
      deadlineMs: 150_000,
    });
    await faults;
    if (report.undelivered.length > 0) {
      const summary = [...report.attempts.entries()]
        .slice(0, 40)
        .map(
          ([id, log]) => `${id}: ${log.map((a) => `${a.status}@${a.atMs}${a.error ? `(${a.error})` : ''}`).join(' ')}`,
        );
      console.error(`outages ${JSON.stringify(outages)}\n${summary.join('\n')}\n${server.output().slice(-8_000)}`);
    }

    // The platform saw refusals during the outages, each answered 503 and redelivered until accepted.
    const statuses = report.statuses();
    expect(report.undelivered).toEqual([]);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 0 || (s >= 400 && s < 500))).toEqual([]);
    const refusedIn = (store: string) => {
      const outage = outages.find((o) => o.store === store);
      return [...report.attempts.values()]
        .flat()
        .filter((a) => a.status === 503 && outage && a.atMs >= outage.fromMs && a.atMs <= outage.toMs + 1_500).length;
    };
    expect(refusedIn('database')).toBeGreaterThan(0);
    expect(refusedIn('redis')).toBeGreaterThan(0);

    // After recovery: every message is in the CRM once, handled, and answered once.
    const answersPerChat = () => {
      const shown = shownByChat(double);
      return updates.map((_, i) => (shown.get(String(FIRST_CHAT + i)) ?? []).filter((t) => t.includes(DENGUE_TITLE)));
    };
    await waitFor(
      async () => {
        const counts = countByStatus(await crm.messages());
        return answersPerChat().every((a) => a.length >= 1) && !counts['out:pending'] && !counts['in:received'];
      },
      120_000,
      'every update answered and every reply marked sent',
    ).catch(async (error) => {
      const counts = countByStatus(await crm.messages());
      const unanswered = answersPerChat().flatMap((a, i) => (a.length === 0 ? [FIRST_CHAT + i] : []));
      const problems = server
        .output()
        .split('\n')
        .filter((line) => /"level":(40|50|60)/.test(line))
        .slice(-60);
      const logFile = join(tmpdir(), `sehat-fault-${process.pid}.log`);
      writeFileSync(logFile, server.output());
      console.error(
        `CRM ${JSON.stringify(counts)}; chats without an answer: ${unanswered.join(', ')}; server log: ${logFile}\n${problems.join('\n')}`,
      );
      throw error;
    });
    await sleep(1_000); // a late duplicate would show up here
    const messages = await crm.messages();
    const inbound = messages.filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(UPDATES);
    expect(new Set(inbound.map((m) => m.platformMessageId)).size).toBe(UPDATES);
    expect(countByStatus(inbound)).toEqual({ 'in:processed': UPDATES });
    const answers = messages.filter((m) => m.direction === 'out' && m.text.includes(DENGUE_TITLE));
    expect(answers).toHaveLength(UPDATES);
    expect(countByStatus(answers)).toEqual({ 'out:sent': UPDATES });
    expect(countByStatus(messages)['out:failed']).toBeUndefined();
    expect(new Set(answers.map((m) => m.correlationId))).toEqual(new Set(inbound.map((m) => m.id)));
    // At the platform: exactly one answer per update, in its own chat.
    expect(answersPerChat().map((a) => a.length)).toEqual(updates.map(() => 1));
    // Nothing set aside, and the process never crashed.
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/job dead-lettered|uncaught|unhandled/i);
  }, 300_000);
});
