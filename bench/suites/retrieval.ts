import { join } from 'node:path';
import type { Suite } from '../lib/context.ts';
import { SERVER_CPU, spawnNode } from '../lib/procs.ts';
import { BENCH_DIR } from '../lib/report.ts';

interface Measured {
  n: number;
  lang: string;
  queries: number;
  productBuildMs: number;
  standaloneBuildMs: number;
  productHeapMb: number;
  standaloneHeapMb: number;
  productP50: number;
  productP99: number;
  standaloneP50: number;
  standaloneP99: number;
  snapshotLoadMs: number;
  rebuildMs: number;
  snapshotMb: number;
}

/**
 * `--retrieval-sizes 1000,10000` (or BENCH_RETRIEVAL_SIZES=1000,10000): measure these corpus sizes instead,
 * e.g. 10k articles in a --quick run.
 */
function chosenSizes(): number[] | undefined {
  const i = process.argv.indexOf('--retrieval-sizes');
  const list = i >= 0 ? process.argv[i + 1] : process.env.BENCH_RETRIEVAL_SIZES;
  const sizes = list
    ?.split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return sizes?.length ? sizes : undefined;
}

/**
 * 3. Retrieval: per-query p50/p99 at 100 / 1k / 10k (/ 100k with --huge) articles per language index, EN and
 * ID queries (the starter KB's own patient phrasings); build time, snapshot load, heap. Baseline: MiniSearch
 * standalone on the same corpus.
 */
export const retrievalSuite: Suite = {
  name: 'retrieval',
  title: 'Retrieval latency, index build, snapshot load, heap vs standalone MiniSearch',
  async run(ctx) {
    const { reporter, quick, reps } = ctx;
    const huge = process.argv.includes('--huge');
    const chosen = chosenSizes();
    const sizes = chosen ?? (quick ? [500] : [100, 1000, 10_000, ...(huge ? [100_000] : [])]);
    if (!huge && !chosen)
      reporter.note(
        `retrieval at 100k articles runs only with --huge (building it takes many minutes: see build-time growth)${quick ? '; --quick measures 500 articles only (100, 1k and 10k without --quick)' : ''}`,
      );
    for (const n of sizes) {
      for (const lang of n >= 100_000 ? ['en'] : ['en', 'id']) {
        const proc = spawnNode(join(BENCH_DIR, 'support', 'retrieval-child.ts'), {
          name: `retrieval-${n}-${lang}`,
          cpu: SERVER_CPU,
          ipc: true,
          nodeArgs: ['--expose-gc', '--max-old-space-size=12000'],
        });
        await new Promise((resolve) => proc.child.once('message', resolve));
        ctx.log(`retrieval ${n} ${lang}`);
        const m = await proc.rpc<Measured>({ cmd: 'measure', n, lang, reps }, 3_600_000);
        await proc.rpc({ cmd: 'exit' });
        await proc.exited;
        const at = `${lang}.${n}`;
        const note = `${m.n} articles (starter + synthetic), ${m.queries} ${lang.toUpperCase()} queries, median of ${reps} interleaved passes`;
        reporter.emit({
          suite: 'retrieval',
          name: `${at}.query_p50`,
          value: m.productP50,
          unit: 'ms',
          baseline: m.standaloneP50,
          baselineName: 'MiniSearch standalone',
        });
        reporter.emit({
          suite: 'retrieval',
          name: `${at}.query_p99`,
          value: m.productP99,
          unit: 'ms',
          baseline: m.standaloneP99,
          baselineName: 'MiniSearch standalone',
          target: { on: 'ratio', op: '<=', threshold: 1.5, text: '≤ 1.5× standalone' },
          note,
        });
        if (n === 10_000)
          reporter.emit({
            suite: 'retrieval',
            name: `${at}.query_p99_absolute`,
            value: m.productP99,
            unit: 'ms',
            target: { on: 'value', op: '<=', threshold: 5, text: '≤ 5 ms at 10k' },
          });
        reporter.emit({
          suite: 'retrieval',
          name: `${at}.index_build`,
          value: m.productBuildMs,
          unit: 'ms',
          baseline: m.standaloneBuildMs,
          baselineName: 'MiniSearch standalone addAll',
        });
        reporter.emit({
          suite: 'retrieval',
          name: `${at}.snapshot_load_vs_rebuild`,
          value: m.snapshotLoadMs,
          unit: 'ms',
          baseline: m.rebuildMs,
          baselineName: 'rebuild',
          target: { on: 'ratio', op: '<=', threshold: 0.25, text: '≤ 25 % of a rebuild' },
          note: `the product has no index snapshot yet: measured as MiniSearch.loadJS of a MiniSearch index configured like the product's (which now ranks with its own TermIndex) + its document-frequency map, serialized as JSON (${m.snapshotMb.toFixed(1)} MB), parse included`,
        });
        reporter.emit({
          suite: 'retrieval',
          name: `${at}.index_heap`,
          value: m.productHeapMb,
          unit: 'MB',
          baseline: m.standaloneHeapMb,
          baselineName: 'MiniSearch standalone',
        });
      }
    }
  },
};
