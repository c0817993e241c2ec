import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '../lib/context.ts';
import { SERVER_CPU, spawnNode, WORK_DIR } from '../lib/procs.ts';
import { BENCH_DIR } from '../lib/report.ts';
import { sleep, slope } from '../lib/stats.ts';
import { starterQuestions } from '../lib/synthetic-kb.ts';
import { sehatMetrics, startDouble, startDriver, startSehat } from '../support/servers.ts';

/**
 * What the failed requests were: HTTP status, -1 = connection error, -2 = not sent (the load generator's
 * in-flight cap), or still unanswered when the run's drain time was over.
 */
function failedByStatus(failed: number, counts: Record<string, number>): string {
  const bad = Object.entries(counts).filter(([status]) => !(Number(status) >= 200 && Number(status) < 300));
  const unanswered = failed - bad.reduce((sum, [, n]) => sum + n, 0);
  const parts = [
    ...bad.map(([status, n]) => `${status}: ${n}`),
    ...(unanswered > 0 ? [`unanswered: ${unanswered}`] : []),
  ];
  return parts.length ? `(${parts.join(', ')})` : '';
}

async function engineChild(name: string) {
  const dir = join(WORK_DIR, name);
  mkdirSync(dir, { recursive: true });
  const proc = spawnNode(join(BENCH_DIR, 'support', 'engine-child.ts'), {
    name,
    cpu: SERVER_CPU,
    ipc: true,
    nodeArgs: ['--expose-gc'],
    env: { BENCH_DATA_DIR: dir },
  });
  await new Promise<void>((resolve, reject) => {
    proc.child.once('message', () => resolve());
    void proc.exited.then(() => reject(new Error(`engine child exited:\n${proc.output().slice(-2000)}`)));
  });
  return proc;
}

/**
 * 5. Memory: heap and RSS per 10k active conversations with a 10-turn history (real core, in process, after
 * GC), and a soak at half load on the real server for RSS drift.
 */
export const memorySuite: Suite = {
  name: 'memory',
  title: 'Memory per 10k active conversations; soak at half load (RSS drift)',
  async run(ctx) {
    const { reporter, quick } = ctx;
    // BENCH_MEMORY_CONVERSATIONS raises the count for one's own runs (a quick run's ×50 scale-up is noisy).
    const conversations = Number(process.env.BENCH_MEMORY_CONVERSATIONS) || (quick ? 200 : 2000);
    const turns = 10;
    // Baseline: the same process after start-up and a warm-up of the same shape (other conversations, all
    // turns), so what is compiled once (JIT code for every turn's path: ~2 MB, ×50 in a quick run) and what
    // is in flight at this rate (e.g. 15 s request-timeout timers) is in both figures and only what the
    // conversations retain is in the difference.
    const proc = await engineChild('memory');
    try {
      const warmup = Math.min(conversations, 500);
      await proc.rpc({ cmd: 'converse', conversations: warmup, turns, offset: 5_000_000 }, 1_200_000);
      type Mem = { heapMb: number; rssMb: number };
      const before = await proc.rpc<Mem>({ cmd: 'memory' });
      const run = await proc.rpc<{
        messages: number;
        seconds: number;
        perS: number;
        failed: number;
        cpuMsPerMessage: number;
      }>({ cmd: 'converse', conversations, turns }, 1_200_000);
      const after = await proc.rpc<Mem>({ cmd: 'memory' });
      const scale = 10_000 / conversations;
      reporter.emit({
        suite: 'memory',
        name: 'heap_per_10k_conversations',
        value: (after.heapMb - before.heapMb) * scale,
        unit: 'MB',
        baseline: before.heapMb,
        baselineName: `heap after start-up and ${warmup} warm-up conversations`,
        ratio: null,
        target: { on: 'value', op: '<=', threshold: 40, text: '≤ 40 MB' },
        note: `${conversations} WhatsApp conversations × ${turns} turns (${run.messages} messages, ${run.failed} failed) through the real adapter and core (SQLite file CRM, in-process state), heap after GC, ${conversations === 10_000 ? 'measured at 10k' : `scaled ×${10_000 / conversations} from ${conversations}`}; in-process dedupe marks (one per message, 8-day TTL) are capped at the newest 50k, the CRM's unique index stands behind them`,
      });
      reporter.emit({
        suite: 'memory',
        name: 'rss_per_10k_conversations',
        value: (after.rssMb - before.rssMb) * scale,
        unit: 'MB',
        baseline: before.rssMb,
        baselineName: `RSS after start-up and ${warmup} warm-up conversations`,
        ratio: null,
        note: 'RSS grows in allocator chunks and includes SQLite page cache and freed-but-kept heap pages: noisy, especially when scaled up from a small run',
      });
      reporter.emit({
        suite: 'memory',
        name: 'engine_only_rate',
        value: run.perS,
        unit: 'msg/s',
        note: 'the same core without HTTP or sockets (webhook Request objects handed to the adapter, Graph fetch answered in process), 64 in flight: what the server could do if HTTP cost nothing',
      });
      reporter.emit({
        suite: 'memory',
        name: 'engine_only_cpu_per_message',
        value: run.cpuMsPerMessage,
        unit: 'ms CPU',
        note: `CPU time of the process per message (insensitive to other load on the machine): one core could handle ≈ ${Math.round(1000 / run.cpuMsPerMessage)} msg/s`,
      });
    } finally {
      await proc.stop();
    }

    // --- soak: half of the closed-loop maximum, fixed arrival rate, RSS every second ---
    const double = await startDouble();
    const driver = startDriver();
    const sehat = await startSehat({ name: 'soak', doubleUrl: double.url, graphUrl: double.graphUrl });
    try {
      const questions = starterQuestions();
      const probe = await driver.rpc<{ rps: number }>({
        cmd: 'closedLoop',
        url: sehat.url,
        channel: 'whatsapp',
        run: 'soakprobe',
        pool: 5000,
        questions,
        connections: 64,
        durationS: 3,
      });
      const m0 = await sehatMetrics(sehat.url);
      // Handled rate after the probe drains is the capacity; accept rate alone would overstate it.
      const t0 = Date.now();
      while ((await sehatMetrics(sehat.url)).queueDepth > 0 && Date.now() - t0 < 60_000) await sleep(100);
      const m1 = await sehatMetrics(sehat.url);
      const capacity = (m1.turns - m0.turns + probe.rps * 3) / ((Date.now() - t0) / 1000 + 3);
      const rate = Math.max(10, Math.round(capacity / 2));
      const durationS = Number(process.env.BENCH_SOAK_S) || (quick ? 15 : 180);
      const start = Date.now();
      const soak = await driver.rpc<{ failed: number; statusCounts: Record<string, number> }>(
        {
          cmd: 'openLoop',
          url: sehat.url,
          channel: 'whatsapp',
          run: 'soak',
          pool: 20_000,
          questions,
          rate,
          durationS,
          statusPerMessage: 3,
          doubleUrl: double.url,
        },
        (durationS + 120) * 1000,
      );
      // A backlog at the end means the server fell behind (CPU taken by other processes, or slower per
      // message as the CRM grows): RSS then grows with the work waiting, not with anything leaked.
      const backlog = (await sehatMetrics(sehat.url)).queueDepth;
      const samples = sehat.proc.samples(start, Date.now());
      const steady = samples.slice(Math.floor(samples.length / 3));
      const first = steady[0]?.rssMb ?? Number.NaN;
      const last = steady.at(-1)?.rssMb ?? Number.NaN;
      const trend =
        slope(
          steady.map((s) => (s.t - start) / 1000),
          steady.map((s) => s.rssMb),
        ) *
        (steady.length - 1);
      reporter.emit({
        suite: 'memory',
        name: 'soak_rss_drift',
        value: (trend / first) * 100,
        unit: '%',
        baseline: null,
        target: { on: 'value', op: '<=', threshold: 5, text: '≤ 5 %' },
        note: `${durationS} s at ${rate} msg/s + 3 status webhooks per message (half of the ~${Math.round(capacity)} msg/s closed-loop capacity); drift = least-squares RSS trend over the last two thirds ÷ RSS at its start (first ${first.toFixed(0)} MB → last ${last.toFixed(0)} MB, heap ${steady[0]?.heapMb.toFixed(0)} → ${steady.at(-1)?.heapMb.toFixed(0)} MB); ${soak.failed} failed requests ${failedByStatus(soak.failed, soak.statusCounts)}, ${backlog} jobs queued at the end`,
      });
    } finally {
      await Promise.all([sehat.stop(), double.stop(), driver.stop()]);
    }
  },
};
