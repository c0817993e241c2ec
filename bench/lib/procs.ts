import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sample } from './monitor.ts';
import { BENCH_DIR, REPO_DIR } from './report.ts';
import { sleep } from './stats.ts';

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * CPU layout: with 2+ cores the system under test gets core 0 and load generators/doubles core 1 (the last
 * core), so the server is not slowed by the load it is measured with. With 1 core nothing is pinned.
 */
export const CPUS = availableParallelism();
export const SERVER_CPU = CPUS >= 2 && hasTaskset ? '0' : undefined;
export const LOAD_CPU = CPUS >= 2 && hasTaskset ? String(CPUS - 1) : undefined;
export const PINNING = SERVER_CPU
  ? `taskset: server on CPU ${SERVER_CPU}, load and doubles on CPU ${LOAD_CPU}`
  : 'not pinned';

/** Scratch folder of one run, shared with the processes it starts (the orchestrator removes it at the end). */
export const WORK_DIR = process.env.BENCH_WORK_DIR ?? mkdtempSync(join(tmpdir(), 'sehat-bench-'));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  name: string;
  logFile: string;
  monitorFile: string;
  output(): string;
  samples(fromMs?: number, toMs?: number): Sample[];
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  rpc<T>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
}

let counter = 0;
/** Every process a benchmark started: killed if the orchestrator exits (a failed suite must leave nothing behind). */
const spawned = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Starts a TypeScript (or JS) entry as its own Node process, pinned to a CPU when possible, with the
 * per-second monitor preloaded. stdout/stderr go to a file (a pipe back to the orchestrator would cost the
 * server time and could block it).
 */
export function spawnNode(
  script: string,
  options: {
    name: string;
    cpu?: string;
    env?: Record<string, string>;
    args?: string[];
    nodeArgs?: string[];
    ipc?: boolean;
  },
): Spawned {
  counter += 1;
  const logFile = join(WORK_DIR, `${options.name}-${counter}.log`);
  const monitorFile = join(WORK_DIR, `${options.name}-${counter}.monitor.jsonl`);
  const fd = openSync(logFile, 'a');
  const nodeArgs = [
    // TypeScript entries run through tsx; a JavaScript entry (bin/sehat.js) runs as operators run it.
    ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []),
    '--import',
    join(BENCH_DIR, 'lib', 'monitor-preload.mjs'),
    ...(options.nodeArgs ?? []),
    script,
    ...(options.args ?? []),
  ];
  const [command, args] = options.cpu
    ? ['taskset', ['-c', options.cpu, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command as string, args as string[], {
    cwd: REPO_DIR,
    env: { ...process.env, ...options.env, BENCH_MONITOR_FILE: monitorFile, BENCH_WORK_DIR: WORK_DIR },
    stdio: ['ignore', fd, fd, ...(options.ipc ? (['ipc'] as const) : [])],
  });
  closeSync(fd);
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
    const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
    if (!waiter) return;
    pending.delete(message.id as number);
    if (message.error) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });
  void exited.then(() => {
    for (const w of pending.values()) w.reject(new Error(`${options.name} exited:\n${tail(logFile)}`));
    pending.clear();
  });
  return {
    child,
    name: options.name,
    logFile,
    monitorFile,
    output: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    samples(fromMs = 0, toMs = Number.POSITIVE_INFINITY) {
      if (!existsSync(monitorFile)) return [];
      return readFileSync(monitorFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Sample)
        .filter((s) => s.t >= fromMs && s.t <= toMs);
    },
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    rpc<T>(message: Record<string, unknown>, timeoutMs = 600_000) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.name}: no answer to ${String(message.cmd)} in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ ...message, id });
      });
    },
  };
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Waits until GET url answers 2xx (bounded). */
export async function waitForHttp(url: string, timeoutMs: number, proc?: Spawned): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null))
      throw new Error(`${proc.name} exited early:\n${tail(proc.logFile)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer in ${timeoutMs} ms${proc ? `:\n${tail(proc.logFile)}` : ''}`);
    await sleep(50);
  }
}

/** For child processes: answers rpc() calls with handlers. */
export function serveRpc(
  handlers: Record<string, (message: Record<string, unknown>) => Promise<unknown> | unknown>,
): void {
  process.on('message', async (message: Record<string, unknown> & { id: number; cmd: string }) => {
    try {
      const handler = handlers[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const result = await handler(message);
      process.send?.({ id: message.id, result });
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
}
