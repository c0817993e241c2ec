/**
 * The product's core in one process, without sockets: the real WhatsApp Cloud adapter (its fetch answered
 * in-process like the Graph API), engine, SQLite CRM, knowledge base, triage. Used for memory per active
 * conversation (heap after GC, --expose-gc) and for the engine-only message rate (what HTTP costs on top).
 */
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { createWhatsappCloudAdapter } from '../../adapters/whatsapp-cloud/index.ts';
import { createCore } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { serveRpc } from '../lib/procs.ts';
import { starterQuestions } from '../lib/synthetic-kb.ts';
import { BENCH_WA, inboundRequest } from './payloads.ts';

const dir = process.env.BENCH_DATA_DIR as string;
const env = parseEnv({
  DATABASE_URL: `sqlite:${join(dir, 'engine.db')}`,
  KB_HOT_RELOAD: 'false',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  WHATSAPP_MODE: 'cloud',
});
const logger = createLogger({ level: env.LOG_LEVEL, logPatientText: false });
let wamid = 0;
const fakeFetch = (async (_url: string, init?: RequestInit) => {
  const body = JSON.parse(String(init?.body ?? '{}')) as { status?: string };
  const json = body.status === 'read' ? { success: true } : { messages: [{ id: `wamid.out.${++wamid}` }] };
  return new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } });
}) as typeof fetch;
const core0 = await createCore(env, { logger, clock: systemClock, greetOnFirstContact: true });
const adapter = createWhatsappCloudAdapter(
  {
    phoneNumberId: BENCH_WA.phoneNumberId,
    accessToken: BENCH_WA.accessToken,
    appSecret: BENCH_WA.appSecret,
    verifyToken: BENCH_WA.verifyToken,
    graphUrl: 'http://graph.invalid/v21.0',
    templateLanguages: { en: 'en_US', id: 'id' },
  },
  { logger, kv: core0.kv, clock: systemClock, fetch: fakeFetch },
);
core0.channels.set('whatsapp', adapter);
await adapter.start(async (m) => (await core0.engine.accept(m)).status);
const questions = starterQuestions();
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  // Per V8 space, to tell data retained from code compiled (code_space) and from fragmentation.
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((s) => [s.space_name, +(s.space_used_size / 2 ** 20).toFixed(2)]),
  );
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20, spaces };
}

let run = 0;
/** conversations × turns messages, `concurrency` webhooks in flight, waiting for the queue between turns. */
async function converse(message: Record<string, unknown>) {
  const conversations = Number(message.conversations);
  const turns = Number(message.turns);
  const offset = Number(message.offset ?? 0);
  const concurrency = Number(message.concurrency ?? 64);
  const tag = `e${++run}`;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let failed = 0;
  for (let turn = 0; turn < turns; turn++) {
    let next = 0;
    const worker = async () => {
      while (next < conversations) {
        const i = next++;
        const r = inboundRequest('whatsapp', turn * conversations + i, {
          run: tag,
          pool: conversations,
          poolOffset: offset,
          questions,
        });
        const response = await adapter.handleWebhook?.(
          new Request(`http://127.0.0.1${r.path}`, { method: 'POST', headers: r.headers, body: r.body }),
        );
        if (response?.status !== 200) failed += 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await core0.queue.idle();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / (conversations * turns);
  return { messages: conversations * turns, seconds, perS: (conversations * turns) / seconds, failed, cpuMsPerMessage };
}

/** Heap snapshot after GC, for finding what a conversation retains (bench/scratch analysers). */
function snapshot(message: Record<string, unknown>) {
  memory();
  return { file: writeHeapSnapshot(String(message.file)) };
}

serveRpc({ memory, converse, snapshot, exit: () => void setTimeout(() => process.exit(0), 20) });
process.send?.({ ready: true });
