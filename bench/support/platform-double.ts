/**
 * Local doubles of the platforms' send APIs in one process (pinned away from the server): Meta's Graph API
 * (`POST /<version>/<phone number id>/messages`) and Telegram's Bot API (`POST /bot<token>/<method>`). They
 * answer like the real APIs (a wamid / a Message), optionally after a delay, and record when each call
 * arrived (monotonic clock, comparable with the load generator's) so webhook → send latency can be joined.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { serveRpc } from '../lib/procs.ts';
import { REPO_DIR } from '../lib/report.ts';
import { monoMs } from '../lib/stats.ts';

export type SendKind = 'wa-reply' | 'wa-typing' | 'wa-receipt' | 'tg-send' | 'tg-action' | 'tg-other';

const port = Number(process.env.PORT ?? 0);
let delayMs = Number(process.env.DOUBLE_DELAY_MS ?? 0);
const events: { kind: SendKind[]; key: string[]; t: number[] } = { kind: [], key: [], t: [] };
let wamids: [string, string][] = [];
let outCounter = 0;
let tgCounter = 0;

const record = (kind: SendKind, key: string) => {
  events.kind.push(kind);
  events.key.push(key);
  events.t.push(monoMs());
};

function graph(body: Record<string, unknown>): string {
  if (body.status === 'read') {
    record(body.typing_indicator ? 'wa-typing' : 'wa-receipt', String(body.message_id));
    return '{"success":true}';
  }
  const to = String(body.to);
  const wamid = `wamid.out.${process.pid}.${++outCounter}`;
  record('wa-reply', to);
  wamids.push([to, wamid]);
  return JSON.stringify({
    messaging_product: 'whatsapp',
    contacts: [{ input: to, wa_id: to }],
    messages: [{ id: wamid }],
  });
}

function telegram(method: string, body: Record<string, unknown>): string {
  const chatId = String(body.chat_id ?? '');
  let result: unknown = true;
  if (method === 'getMe') result = { id: 123456789, is_bot: true, first_name: 'Sehat', username: 'sehat_bench_bot' };
  else if (method === 'sendMessage' || method === 'editMessageText') {
    record('tg-send', chatId);
    result = {
      message_id: ++tgCounter,
      date: Math.floor(Date.now() / 1000),
      chat: { id: Number(chatId), type: 'private' },
      text: body.text,
    };
  } else if (method === 'sendChatAction') record('tg-action', chatId);
  else if (method === 'getUpdates') result = [];
  else record('tg-other', method);
  return JSON.stringify({ ok: true, result });
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => {
    const url = request.url ?? '/';
    const answer = (status: number, text: string) => {
      const send = () => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(text);
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    };
    try {
      if (url === '/__bench/wamids') {
        const out = JSON.stringify(wamids);
        wamids = [];
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end(out);
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = (raw.startsWith('{') ? JSON.parse(raw) : {}) as Record<string, unknown>;
      if (url.endsWith('/chat/completions')) {
        // An OpenAI-compatible model: answers in 1.5 s ± 0.5 s (uniform), JSON content.
        const wait = 1000 + Math.random() * 1000;
        return void setTimeout(() => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              id: `chatcmpl-${++outCounter}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: String(body.model ?? 'bench-model'),
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: '{"answer":"Rest, drink fluids, paracetamol for fever."}' },
                  finish_reason: 'stop',
                },
              ],
              usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
            }),
          );
        }, wait);
      }
      const tg = /^\/bot[^/]+\/(\w+)/.exec(url);
      if (tg) return answer(200, telegram(tg[1] as string, body));
      if (/\/messages$/.test(url)) return answer(200, graph(body));
      answer(404, '{"error":{"code":100,"message":"unknown path"}}');
    } catch (error) {
      answer(400, JSON.stringify({ error: { code: 100, message: (error as Error).message } }));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');

/**
 * The project's own Graph API double (tests/support/graph-api-double.ts), when it exists, answers the Graph
 * calls instead of the one above: the benchmark then sends through exactly what the tests use. Its call log
 * is tapped (push) for arrival times and wamids, and trimmed so a long run does not grow it without bound.
 */
const SHARED_DOUBLE = join(REPO_DIR, 'tests', 'support', 'graph-api-double.ts');
let graphUrl = `http://127.0.0.1:${port}/v21.0`;
let graphSource = 'bench/support/platform-double.ts';
if (existsSync(SHARED_DOUBLE) && process.env.BENCH_OWN_GRAPH_DOUBLE !== '1') {
  const { startGraphDouble } = (await import(
    SHARED_DOUBLE
  )) as typeof import('../../tests/support/graph-api-double.ts');
  const double = await startGraphDouble();
  const calls = double.calls;
  calls.push = (...items) => {
    for (const call of items) {
      const body = call.body as Record<string, unknown>;
      if (body.status === 'read') record(body.typing_indicator ? 'wa-typing' : 'wa-receipt', String(body.message_id));
      else record('wa-reply', String(body.to));
      // The double sets the wamid right after recording the call, in the same tick.
      queueMicrotask(() => {
        if (call.wamid) wamids.push([String(body.to), call.wamid]);
      });
    }
    if (calls.length > 5000) calls.splice(0, calls.length - 100);
    return Array.prototype.push.apply(calls, items);
  };
  graphUrl = double.url;
  graphSource = 'tests/support/graph-api-double.ts';
}

serveRpc({
  info: () => ({ graphUrl, graphSource }),
  /** Everything recorded since the last call (then forgotten). */
  events() {
    const out = events.kind.map((kind, i) => [kind, events.key[i], events.t[i]] as const);
    events.kind = [];
    events.key = [];
    events.t = [];
    return out;
  },
  setDelay(message) {
    delayMs = Number(message.delayMs ?? 0);
    return delayMs;
  },
});
process.on('SIGTERM', () => process.exit(0));
