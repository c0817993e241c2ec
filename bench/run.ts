/**
 * `npm run bench` (full, ≤ ~20 min) and `npm run bench -- --quick` (≤ ~3 min).
 * Options: --only e2e,retrieval,…  --list  --reps N
 * Prints one JSON line per figure, then a table; appends every figure to bench/results/history.jsonl and
 * writes bench/results/latest-<mode>.md and load-<mode>.svg. Never run by `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadChart } from './lib/chart.ts';
import type { LoadPoint, Suite, SuiteContext } from './lib/context.ts';
import { PINNING, WORK_DIR } from './lib/procs.ts';
import { REPO_DIR, Reporter } from './lib/report.ts';
import { coldStartSuite } from './suites/cold-start.ts';
import { crmSuite } from './suites/crm.ts';
import { e2eSuite } from './suites/e2e.ts';
import { handoffSuite } from './suites/handoff.ts';
import { llmSuite } from './suites/llm.ts';
import { memorySuite } from './suites/memory.ts';
import { reindexSuite } from './suites/reindex.ts';
import { retrievalSuite } from './suites/retrieval.ts';
import { triageSuite } from './suites/triage.ts';

const SUITES: Suite[] = [
  triageSuite,
  retrievalSuite,
  crmSuite,
  e2eSuite,
  reindexSuite,
  coldStartSuite,
  memorySuite,
  handoffSuite,
  llmSuite,
];

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--list')) {
  for (const s of SUITES) console.log(`${s.name.padEnd(12)} ${s.title}`);
  process.exit(0);
}
const quick = args.includes('--quick');
const only = flag('--only')?.split(',');
const reps = Number(flag('--reps') ?? 3);
const reporter = new Reporter(quick ? 'quick' : 'full');
const loadPoints: LoadPoint[] = [];
const started = performance.now();
const ctx: SuiteContext = {
  reporter,
  quick,
  reps,
  loadPoints,
  log: (message) =>
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`),
};
ctx.log(`mode ${reporter.mode}, ${reps} repetitions, ${PINNING}, scratch ${WORK_DIR}`);
// The server runs as operators run it (bin/sehat.js → dist/sehat.mjs): bundle the current sources first.
execFileSync(process.execPath, [join(REPO_DIR, 'scripts', 'build.mjs')], { stdio: 'inherit' });
let failures = 0;
for (const suite of SUITES.filter((s) => !only || only.includes(s.name))) {
  ctx.log(`suite ${suite.name}: ${suite.title}`);
  try {
    await suite.run(ctx);
  } catch (error) {
    failures += 1;
    reporter.note(`suite ${suite.name} failed: ${(error as Error).stack ?? error}`);
  }
}
const durationS = (performance.now() - started) / 1000;
const svg = loadPoints.length ? loadChart(loadPoints, `${reporter.mode} run ${reporter.runId}`) : undefined;
// A partial run (--only) does not overwrite the latest complete run's files.
const saved = reporter.save({ durationS, svg, suffix: only ? `-only-${only.join('+')}` : '' });
console.log(`\n${reporter.table()}\n`);
if (reporter.notes.length) console.log(reporter.notes.map((n) => `- ${n}`).join('\n'));
console.log(`\n${reporter.figures.length} figures in ${durationS.toFixed(0)} s → ${saved.markdown}, ${saved.history}`);
// BENCH_KEEP=1 keeps the scratch folder (servers' logs and per-second samples) for a look afterwards.
if (process.env.BENCH_KEEP === '1') console.log(`scratch kept: ${WORK_DIR}`);
else rmSync(WORK_DIR, { recursive: true, force: true });
process.exit(failures > 0 ? 1 : 0);
