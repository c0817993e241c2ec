import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import WebSocket from 'ws';

/** A free TCP port on 127.0.0.1. */
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

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `sehat serve` (or `args`, e.g. ['serve', '--workers', '1']) as a real OS process and waits until /healthz answers. */
export async function startServerProcess(
  env: Record<string, string>,
  args: string[] = ['serve'],
): Promise<ServerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn('node', ['bin/sehat.js', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), KB_HOT_RELOAD: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start in 20 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}

/** A minimal web chat client: hello, then send texts and collect the bot's frames. */
export async function chatClient(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/webchat/socket`);
  const frames: { type: string; [key: string]: unknown }[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello' }));
  let n = 0;
  return {
    frames,
    send(text: string) {
      n += 1;
      ws.send(JSON.stringify({ type: 'message', id: `t${n}-${Date.now()}`, text }));
    },
    session: async () => {
      for (let i = 0; i < 100; i++) {
        const welcome = frames.find((f) => f.type === 'welcome');
        if (welcome) return String(welcome.session);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no welcome');
    },
    close: () => ws.close(),
  };
}

/** Logs an educator in through the console API and returns a fetch bound to the session cookie. */
export async function educatorSession(url: string, username: string, password: string) {
  const login = await fetch(`${url}/educator/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  return (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
}
