/**
 * One side of the two-process hand-off benchmark, on the product's Redis hand-off queue
 * (src/handoff/redis-handoff-queue.ts over ioredis, as src/app.ts wires it) or, for the baseline, the same
 * Redis commands sent raw (ZADD + PUBLISH / SUBSCRIBE).
 */
import { Redis } from 'ioredis';
import { createRedisHandoffQueue } from '../../src/handoff/redis-handoff-queue.ts';
import { serveRpc } from '../lib/procs.ts';
import { monoMs, summarize } from '../lib/stats.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BENCH_PREFIX ?? 'sehat-bench:';
const raw = process.env.BENCH_RAW === '1';
const redis = new Redis(url);
const subscriber = new Redis(url);
const queue = createRedisHandoffQueue(redis as never, subscriber as never, { prefix });
const channel = `${prefix}handoff:events`;
const queueKey = `${prefix}handoff:queue`;
const received = new Map<string, number>();
const onEvent = (id: string) => {
  const sent = Number(id.split('-').at(-1));
  if (!received.has(id)) received.set(id, monoMs() - sent);
};
if (raw) {
  await subscriber.subscribe(channel);
  subscriber.on('message', (_c: string, m: string) => onEvent((JSON.parse(m) as { handoffId: string }).handoffId));
} else {
  await queue.ready();
  queue.subscribe((event) => onEvent(event.handoffId));
}

serveRpc({
  async produce(message) {
    const count = Number(message.count);
    const rate = Number(message.rate);
    const tag = String(message.tag);
    const t0 = monoMs();
    let inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - monoMs();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const id = `${tag}-${i}-${monoMs()}`;
      const work = (async () => {
        if (raw) {
          await redis.zadd(queueKey, 2e13 + Date.now(), id);
          process.send?.({ acked: id });
          await redis.publish(channel, JSON.stringify({ kind: 'opened', handoffId: id }));
        } else {
          await queue.push({ handoffId: id, priority: 'normal', enqueuedAtMs: Date.now() });
          process.send?.({ acked: id });
          await queue.publish({ kind: 'opened', handoffId: id });
        }
      })();
      inFlight.push(work);
      if (inFlight.length > 64) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    return { count };
  },
  stats(message) {
    const tag = String(message.tag);
    const latencies = [...received].filter(([id]) => id.startsWith(`${tag}-`)).map(([, ms]) => ms);
    return { ...summarize(latencies), ids: [...received.keys()].filter((id) => id.startsWith(`${tag}-`)) };
  },
  async list() {
    return raw ? await redis.zrange(queueKey, 0, -1) : (await queue.list()).map((e) => e.handoffId);
  },
  async cleanup() {
    await redis.del(queueKey);
    return true;
  },
  exit: () => void setTimeout(() => process.exit(0), 10),
});
process.send?.({ ready: true });
