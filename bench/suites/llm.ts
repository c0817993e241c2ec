import { join } from 'node:path';
import type { Suite } from '../lib/context.ts';
import { SERVER_CPU, spawnNode } from '../lib/procs.ts';
import { BENCH_DIR } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { startDouble } from '../support/servers.ts';

/**
 * 9. LLM path: the product's LlmClient (src/llm/openai-llm.ts) against an OpenAI-compatible double answering
 * in 1.5 s ± 0.5 s, hundreds of calls in flight. Theoretical throughput = in-flight ÷ mean latency (1.5 s).
 */
export const llmSuite: Suite = {
  name: 'llm',
  title: 'LLM path: throughput vs in-flight ÷ latency, event-loop delay',
  async run(ctx) {
    const { reporter, quick, reps } = ctx;
    const double = await startDouble();
    try {
      for (const inFlight of quick ? [200] : [100, 300, 500]) {
        const durationS = quick ? 5 : 10;
        const runs: { perS: number; failed: number; eld: number; p50: number; firstErrors: string[] }[] = [];
        for (let rep = 0; rep < reps; rep++) {
          const proc = spawnNode(join(BENCH_DIR, 'support', 'llm-child.ts'), {
            name: `llm-${inFlight}`,
            cpu: SERVER_CPU,
            ipc: true,
          });
          await new Promise((resolve) => proc.child.once('message', resolve));
          const t0 = Date.now();
          const r = await proc.rpc<{ perS: number; failed: number; firstErrors: string[]; latencyMs: { p50: number } }>(
            { cmd: 'load', baseUrl: `${double.url}/v1`, inFlight, durationS },
          );
          const samples = proc.samples(t0, Date.now());
          await proc.rpc({ cmd: 'exit' });
          await proc.exited;
          runs.push({
            perS: r.perS,
            failed: r.failed,
            eld: Math.max(0, ...samples.map((s) => s.eldP99Ms)),
            p50: r.latencyMs.p50,
            firstErrors: r.firstErrors,
          });
        }
        const theoretical = inFlight / 1.5;
        reporter.emit({
          suite: 'llm',
          name: `in_flight_${inFlight}.throughput`,
          value: median(runs.map((r) => r.perS)),
          unit: 'calls/s',
          baseline: theoretical,
          baselineName: 'in-flight ÷ 1.5 s',
          target: { on: 'ratio', op: '>=', threshold: 0.95, text: '≥ 95 % of theoretical' },
          note: `LlmClient level (LangChain ChatOpenAI → local double), ${durationS} s per run, median of ${reps}; call p50 ${median(runs.map((r) => r.p50)).toFixed(0)} ms; ${runs.reduce((s, r) => s + r.failed, 0)} failed calls${runs[0]?.firstErrors.length ? ` (${runs[0].firstErrors[0]})` : ''}; throughput counted over the steady window (2 s → deadline)`,
        });
        reporter.emit({
          suite: 'llm',
          name: `in_flight_${inFlight}.event_loop_delay_p99`,
          value: median(runs.map((r) => r.eld)),
          unit: 'ms',
          note: 'worst per-second event-loop delay p99 of the calling process',
        });
      }
    } finally {
      await double.stop();
    }
  },
};
