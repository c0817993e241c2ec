/**
 * The load generator, in its own process pinned away from the server.
 * - closedLoop: autocannon, N connections each sending the next request when the last one answered —
 *   the maximum throughput.
 * - openLoop: a fixed arrival rate (wrk2-style). Requests are scheduled at t0 + i/rate whatever the server
 *   does, and latency is measured from the scheduled time, so a slow server cannot hide its latency by
 *   slowing the generator down (coordinated omission).
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { serveRpc } from '../lib/procs.ts';
import { monoMs, summarize } from '../lib/stats.ts';
import { inboundRequest, sign, type WebhookRequest, whatsappStatus } from './payloads.ts';

interface LoadSpec {
  url: string;
  /** 'bare' sends the same WhatsApp payloads to the bare handler. */
  channel: 'whatsapp' | 'telegram';
  run: string;
  pool: number;
  poolOffset?: number;
  questions: string[];
}

async function closedLoop(spec: LoadSpec & { connections: number; durationS: number; amount?: number }) {
  let n = 0;
  const t0 = monoMs();
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    ...(spec.amount && { amount: spec.amount }),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => {
          const r = inboundRequest(spec.channel, n++, spec);
          return { ...req, method: 'POST', path: r.path, headers: r.headers, body: r.body };
        },
      },
    ],
  });
  const t1 = monoMs();
  return {
    sent: n,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rps: result['2xx'] / ((t1 - t0) / 1000),
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      p999: (result.latency as unknown as Record<string, number>).p99_9,
    },
    startMono: t0,
    endMono: t1,
  };
}

interface Shot {
  sched: number;
  done: number;
  status: number;
}

async function openLoop(
  spec: LoadSpec & {
    rate: number;
    durationS: number;
    /** Status webhooks per inbound message (WhatsApp: sent, delivered, read per outbound message). */
    statusPerMessage?: number;
    doubleUrl?: string;
    maxOutstanding?: number;
    drainTimeoutMs?: number;
  },
) {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const maxOutstanding = spec.maxOutstanding ?? 20_000;
  const drainTimeoutMs = spec.drainTimeoutMs ?? 15_000;
  let outstanding = 0;
  const fire = (r: WebhookRequest, sched: number, onDone: (shot: Shot) => void) => {
    if (outstanding >= maxOutstanding) return onDone({ sched, done: Number.POSITIVE_INFINITY, status: -2 });
    outstanding += 1;
    let finished = false;
    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      outstanding -= 1;
      onDone({ sched, done: monoMs(), status });
    };
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: r.path,
        headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => finish(res.statusCode ?? 0));
        res.on('error', () => finish(-1));
      },
    );
    req.on('error', () => finish(-1));
    req.end(r.body);
  };

  const total = Math.round(spec.rate * spec.durationS);
  const statusPer = spec.statusPerMessage ?? 0;
  const statusTotal = Math.round(total * statusPer);
  const messages: { tag: string[]; sched: number[]; done: number[]; status: number[] } = {
    tag: [],
    sched: [],
    done: [],
    status: [],
  };
  const statuses: Shot[] = [];
  let unknownWamids = 0;
  const statusQueue: [string, string, 'sent' | 'delivered' | 'read'][] = [];
  let polling: NodeJS.Timeout | undefined;
  if (statusTotal > 0 && spec.doubleUrl) {
    const poll = async () => {
      try {
        const fresh = (await (await fetch(`${spec.doubleUrl}/__bench/wamids`)).json()) as [string, string][];
        for (const [to, wamid] of fresh)
          for (const s of ['sent', 'delivered', 'read'] as const) statusQueue.push([to, wamid, s]);
      } catch {
        // the double is busy: next poll
      }
    };
    polling = setInterval(() => void poll(), 200);
  }
  const t0 = monoMs() + 20;
  let sent = 0;
  let statusSent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = monoMs() - t0;
      if (elapsed < 0) return;
      const due = Math.min(total, Math.floor((elapsed * spec.rate) / 1000) + 1);
      while (sent < due) {
        const i = sent++;
        const r = inboundRequest(spec.channel, i, spec);
        const sched = t0 + (i * 1000) / spec.rate;
        fire(r, sched, (shot) => {
          messages.tag.push(r.tag);
          messages.sched.push(shot.sched);
          messages.done.push(shot.done);
          messages.status.push(shot.status);
        });
      }
      if (statusTotal > 0) {
        const statusDue = Math.min(statusTotal, Math.floor((elapsed * spec.rate * statusPer) / 1000) + 1);
        while (statusSent < statusDue) {
          const i = statusSent++;
          const next = statusQueue.shift();
          if (!next) unknownWamids += 1;
          const [to, wamid, kind] = next ?? [`62899${i}`, `wamid.unknown.${spec.run}.${i}`, 'delivered' as const];
          const body = whatsappStatus(to, wamid, kind, Math.floor(Date.now() / 1000));
          fire(
            {
              path: '/webhooks/whatsapp',
              headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
              body,
              tag: to,
            },
            t0 + (i * 1000) / (spec.rate * statusPer),
            (shot) => statuses.push(shot),
          );
        }
      }
      if (sent >= total && statusSent >= statusTotal) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  const endSched = monoMs();
  const drainDeadline = Date.now() + drainTimeoutMs;
  while (outstanding > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(polling);
  agent.destroy();
  const unfinished = total - messages.sched.length + (statusTotal - statuses.length);
  const ok = (s: number) => s >= 200 && s < 300;
  const msgLatency = messages.sched
    .map((s, i) => (messages.done[i] as number) - s)
    .filter((_, i) => ok(messages.status[i] as number));
  const statusLatency = statuses.filter((s) => ok(s.status)).map((s) => s.done - s.sched);
  return {
    rate: spec.rate,
    sent: total,
    achievedRate: (total / (endSched - t0)) * 1000,
    failed: messages.status.filter((s) => !ok(s)).length + statuses.filter((s) => !ok(s.status)).length + unfinished,
    statusCounts: countBy([...messages.status, ...statuses.map((s) => s.status)]),
    webhookMs: summarize(msgLatency),
    statusWebhookMs: statusTotal > 0 ? summarize(statusLatency) : undefined,
    statusSent: statusTotal,
    unknownWamids,
    messages,
    startMono: t0,
    endMono: monoMs(),
  };
}

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

serveRpc({
  closedLoop: (m) => closedLoop(m as never),
  openLoop: (m) => openLoop(m as never),
});
process.on('SIGTERM', () => process.exit(0));
