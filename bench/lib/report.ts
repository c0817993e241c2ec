import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** A target from the issue: on the figure's value or on its ratio to the baseline. */
export interface Target {
  on: 'value' | 'ratio';
  op: '>=' | '<=' | '==';
  threshold: number;
  text: string;
}

export interface FigureInput {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the baseline measured in the same run (null when the figure has none). */
  baseline?: number | null;
  baselineName?: string;
  /** value ÷ baseline unless given. */
  ratio?: number | null;
  target?: Target;
  /** What limits the figure, or how it was measured, when the table alone would mislead. */
  note?: string;
}

export interface Figure extends FigureInput {
  baseline: number | null;
  ratio: number | null;
  met: boolean | null;
  node: string;
  packages: Record<string, string>;
  cpuCount: number;
  cpuModel: string;
  mode: 'quick' | 'full';
  runId: string;
  at: string;
  /** The machine's 1-minute load average when the figure was taken: > CPU count means other work competed. */
  loadAvg1m: number;
}

const PACKAGES = [
  'minisearch',
  'kysely',
  'better-sqlite3',
  'pg',
  'ioredis',
  'hono',
  '@hono/node-server',
  'pino',
  'tsx',
  'autocannon',
];

export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PACKAGES) {
    const file = join(REPO_DIR, 'node_modules', name, 'package.json');
    out[name] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'missing';
  }
  const own = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
  out.sehat = own.version;
  return out;
}

const round = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v) : Math.abs(v) >= 1 ? Math.round(v * 100) / 100 : Number(v.toPrecision(3));

export function isMet(target: Target | undefined, value: number, ratio: number | null): boolean | null {
  if (!target) return null;
  const x = target.on === 'value' ? value : ratio;
  if (x === null || !Number.isFinite(x)) return false;
  if (target.op === '>=') return x >= target.threshold;
  if (target.op === '<=') return x <= target.threshold;
  return x === target.threshold;
}

export class Reporter {
  readonly figures: Figure[] = [];
  readonly runId: string;
  private readonly common: Pick<Figure, 'node' | 'packages' | 'cpuCount' | 'cpuModel' | 'mode' | 'runId'>;
  readonly notes: string[] = [];

  constructor(readonly mode: 'quick' | 'full') {
    this.runId = new Date().toISOString().replace(/[:.]/g, '-');
    this.common = {
      node: process.version,
      packages: packageVersions(),
      cpuCount: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      mode,
      runId: this.runId,
    };
  }

  /** Prints one JSON line per figure (and keeps it for the table). */
  emit(input: FigureInput): Figure {
    const baseline = input.baseline ?? null;
    const ratio =
      input.ratio !== undefined ? input.ratio : baseline !== null && baseline !== 0 ? input.value / baseline : null;
    const figure: Figure = {
      ...input,
      value: round(input.value),
      baseline: baseline === null ? null : round(baseline),
      ratio: ratio === null ? null : round(ratio),
      met: isMet(input.target, input.value, ratio),
      ...this.common,
      at: new Date().toISOString(),
      loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    };
    this.figures.push(figure);
    process.stdout.write(
      `${JSON.stringify({
        name: `${figure.suite}.${figure.name}`,
        value: figure.value,
        unit: figure.unit,
        baseline: figure.baseline,
        baselineName: figure.baselineName,
        ratio: figure.ratio,
        target: figure.target?.text,
        met: figure.met,
        note: figure.note,
        node: figure.node,
        packages: figure.packages,
        cpuCount: figure.cpuCount,
        loadAvg1m: figure.loadAvg1m,
        mode: figure.mode,
        runId: figure.runId,
      })}\n`,
    );
    return figure;
  }

  note(text: string): void {
    this.notes.push(text);
    process.stdout.write(`# ${text}\n`);
  }

  table(): string {
    const rows = this.figures.map((f) => [
      `${f.suite}.${f.name}`,
      `${fmt(f.value)} ${f.unit}`,
      f.baseline === null ? '' : `${fmt(f.baseline)} ${f.unit}${f.baselineName ? ` (${f.baselineName})` : ''}`,
      f.ratio === null ? '' : fmt(f.ratio),
      f.target?.text ?? '',
      f.met === null ? '' : f.met ? 'met' : '**missed**',
    ]);
    const header = ['Figure', 'Value', 'Baseline (same run)', 'Ratio', 'Target', ''];
    return [
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }

  /** Appends every figure to bench/results/history.jsonl and writes latest-<mode>.md. */
  save(extra: { durationS: number; svg?: string; suffix?: string }): { history: string; markdown: string } {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const history = join(RESULTS_DIR, 'history.jsonl');
    appendFileSync(history, this.figures.map((f) => JSON.stringify(f)).join('\n') + (this.figures.length ? '\n' : ''));
    const markdown = join(RESULTS_DIR, `latest-${this.mode}${extra.suffix ?? ''}.md`);
    const c = this.common;
    writeFileSync(
      markdown,
      [
        `# Sehat benchmarks (${this.mode}) — ${this.runId}`,
        '',
        `Machine load (1-min load average) while figures were taken: ${this.figures.length ? `${Math.min(...this.figures.map((f) => f.loadAvg1m))}–${Math.max(...this.figures.map((f) => f.loadAvg1m))}` : 'n/a'} on ${c.cpuCount} CPUs (above ${c.cpuCount} means other processes competed for the CPUs).`,
        '',
        `Node ${c.node}, ${c.cpuCount} CPUs (${c.cpuModel}); ${Object.entries(c.packages)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}. Took ${Math.round(extra.durationS)} s.`,
        '',
        this.table(),
        '',
        ...(this.notes.length ? ['Notes:', '', ...this.notes.map((n) => `- ${n}`), ''] : []),
        ...(this.figures.some((f) => f.note)
          ? [
              'Figure notes:',
              '',
              ...this.figures.filter((f) => f.note).map((f) => `- \`${f.suite}.${f.name}\`: ${f.note}`),
              '',
            ]
          : []),
      ].join('\n'),
    );
    if (extra.svg) writeFileSync(join(RESULTS_DIR, `load-${this.mode}${extra.suffix ?? ''}.svg`), extra.svg);
    return { history, markdown };
  }
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return String(Math.round(v * 10) / 10);
  return String(Number(v.toPrecision(3)));
}
