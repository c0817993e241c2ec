import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOAD_CPU, SERVER_CPU, type Spawned, spawnNode, WORK_DIR, waitForHttp } from '../lib/procs.ts';
import { BENCH_DIR, REPO_DIR } from '../lib/report.ts';
import { sleep } from '../lib/stats.ts';
import { BENCH_TG, BENCH_WA, inboundRequest } from './payloads.ts';

/** Whether src/app.ts wires a channel itself (then the real `sehat serve` is benchmarked unchanged). */
export function appWires(channel: 'whatsapp' | 'telegram'): boolean {
  const source = readFileSync(join(REPO_DIR, 'src', 'app.ts'), 'utf8');
  return channel === 'whatsapp'
    ? source.includes('createWhatsappCloudAdapter')
    : source.includes('createTelegramAdapter');
}

export interface Server {
  url: string;
  proc: Spawned;
  stop(): Promise<void>;
}

export async function startDouble(): Promise<Server & { graphUrl: string; graphSource: string }> {
  const port = await freePort();
  const proc = spawnNode(join(BENCH_DIR, 'support', 'platform-double.ts'), {
    name: 'double',
    cpu: LOAD_CPU,
    env: { PORT: String(port) },
    ipc: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/__bench/wamids`, 20_000, proc);
  const info = await proc.rpc<{ graphUrl: string; graphSource: string }>({ cmd: 'info' });
  return { url, proc, ...info, stop: () => proc.stop() };
}

export function startDriver(): Spawned {
  return spawnNode(join(BENCH_DIR, 'support', 'driver.ts'), { name: 'driver', cpu: LOAD_CPU, ipc: true });
}

export async function startBare(): Promise<Server> {
  const port = await freePort();
  const proc = spawnNode(join(BENCH_DIR, 'support', 'bare-server.mjs'), {
    name: 'bare',
    cpu: SERVER_CPU,
    env: { PORT: String(port) },
    ipc: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, 20_000, proc);
  return { url, proc, stop: () => proc.stop() };
}

export interface SehatOptions {
  name: string;
  knowledgeDir?: string;
  databaseUrl?: string;
  doubleUrl: string;
  /** Graph API base URL incl. version (default: the platform double's own). */
  graphUrl?: string;
  env?: Record<string, string>;
  /** Wait until a signed WhatsApp webhook is accepted (channels started), not only /healthz. */
  waitForWebhook?: boolean;
  cpu?: string;
  nodeArgs?: string[];
}

export function sehatEnv(port: number, options: SehatOptions): Record<string, string> {
  const dataDir = join(WORK_DIR, `${options.name}-${port}`);
  mkdirSync(dataDir, { recursive: true });
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: options.databaseUrl ?? `sqlite:${join(dataDir, 'sehat.db')}`,
    KNOWLEDGE_DIR: options.knowledgeDir ?? join(REPO_DIR, 'knowledge'),
    KB_HOT_RELOAD: 'false',
    LOG_LEVEL: 'info',
    WHATSAPP_MODE: 'cloud',
    WHATSAPP_PHONE_NUMBER_ID: BENCH_WA.phoneNumberId,
    WHATSAPP_ACCESS_TOKEN: BENCH_WA.accessToken,
    WHATSAPP_APP_SECRET: BENCH_WA.appSecret,
    WHATSAPP_VERIFY_TOKEN: BENCH_WA.verifyToken,
    WHATSAPP_GRAPH_URL: options.graphUrl ?? `${options.doubleUrl}/v21.0`,
    TELEGRAM_BOT_TOKEN: BENCH_TG.botToken,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: BENCH_TG.secret,
    TELEGRAM_API_ROOT: options.doubleUrl,
    ...options.env,
  };
}

/** The product's server: `bin/sehat.js serve` when app.ts wires the channels, else bench/support/sehat-server.ts. */
export async function startSehat(options: SehatOptions): Promise<Server & { startedMs: number; readyMs: number }> {
  const port = await freePort();
  const missing = (['whatsapp', 'telegram'] as const).filter((c) => !appWires(c));
  const script =
    missing.length === 0 ? join(REPO_DIR, 'bin', 'sehat.js') : join(BENCH_DIR, 'support', 'sehat-server.ts');
  const t0 = Date.now();
  const proc = spawnNode(script, {
    name: options.name,
    cpu: options.cpu ?? SERVER_CPU,
    args: missing.length === 0 ? ['serve'] : [],
    nodeArgs: options.nodeArgs,
    env: { ...sehatEnv(port, options), BENCH_EXTRA_CHANNELS: missing.join(',') },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, 300_000, proc);
  if (options.waitForWebhook !== false) await firstWebhook(url, 300_000);
  return { url, proc, startedMs: t0, readyMs: Date.now() - t0, stop: () => proc.stop(20_000) };
}

/** Posts a signed WhatsApp webhook until it is accepted (200). Resolves the time it took. */
export async function firstWebhook(url: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let n = 0;
  for (;;) {
    const r = inboundRequest('whatsapp', n++, {
      run: `probe${t0}`,
      pool: 1,
      poolOffset: 9_000_000,
      questions: ['hello'],
    });
    try {
      const response = await fetch(`${url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
      if (response.status === 200) return Date.now() - t0;
    } catch {
      // not yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no webhook accepted in ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Counters from the product's own /metrics. */
export async function sehatMetrics(
  url: string,
): Promise<{ turns: number; queueDepth: number; sent: number; failed: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (re: RegExp) =>
    text
      .split('\n')
      .filter((l) => re.test(l))
      .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
  return {
    turns: sum(/^sehat_answer_seconds_count/),
    queueDepth: sum(/^sehat_queue_depth/),
    sent: sum(/^sehat_messages_out_total\{.*status="sent"/),
    failed: sum(/^sehat_messages_out_total\{.*status="failed"/),
  };
}

/** Waits until the server has handled every queued message (bounded). */
export async function drain(url: string, timeoutMs: number): Promise<{ drained: boolean; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await sehatMetrics(url).catch(() => undefined);
    if (m && m.queueDepth === 0) return { drained: true, at: Date.now() };
    if (Date.now() > deadline) return { drained: false, at: Date.now() };
    await sleep(100);
  }
}
