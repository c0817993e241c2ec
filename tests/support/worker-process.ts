import { type ChildProcess, spawn } from 'node:child_process';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `sehat worker` as a real OS process and waits until it says it is working the queue. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  let output = '';
  const child = spawn('node', ['bin/sehat.js', 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'info', KB_HOT_RELOAD: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Sehat worker is working the shared queue')) {
    if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker did not start in 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => output,
    stop(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}
