import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible server for tests (no OpenAI server is reachable, and none should be): the real
 * `openai` SDK and LangChain's ChatOpenAI talk HTTP to it on 127.0.0.1. It serves chat completions (plain
 * and streamed), embeddings (float and base64) and the model list, records every request, and answers as
 * each test scripts it: good grounded answers, hallucinated citations, obeyed injections, invented doses,
 * timeouts (a reply that never comes), 429s and 5xx.
 */
export type DoubleTask = 'understand' | 'answer' | 'verify' | 'other';

export interface ChatCall {
  task: DoubleTask;
  model: string;
  body: Record<string, unknown>;
  system: string;
  user: string;
  /** JSON blocks of the user message by tag: patient_data, passages, draft. */
  data: Record<string, unknown>;
}

export type DoubleReply =
  | { json: unknown }
  | { content: string }
  | { status: number; error?: string; headers?: Record<string, string> }
  /** Never answers (until the double closes): the client's timeout must fire. */
  | { hang: true }
  | { delayMs: number; then: DoubleReply };

export type ChatHandler = (call: ChatCall) => DoubleReply | Promise<DoubleReply>;

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body as received: what left Sehat, byte for byte. */
  raw: string;
  body: Record<string, unknown>;
}

export interface OpenAiDouble {
  /** Base URL with /v1, for OPENAI_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  chatCalls(task?: DoubleTask): ChatCall[];
  /** Answers chat calls of a task with this handler (until reset), instead of the default. */
  on(task: DoubleTask, handler: ChatHandler): void;
  /** Answers the next chat call of a task with these replies in order, then goes back to the handler. */
  queue(task: DoubleTask, ...replies: DoubleReply[]): void;
  /** Embedding replies in order (e.g. a 500), then deterministic vectors again. */
  queueEmbeddings(...replies: DoubleReply[]): void;
  reset(): void;
  close(): Promise<void>;
}

/** The first sentence of a passage: an answer that is grounded by construction. */
export function firstSentence(text: string): string {
  return /^[\s\S]*?[.!?](?=\s|$)/.exec(text.trim())?.[0] ?? text.trim();
}

export interface PassageData {
  id: string;
  title: string;
  text: string;
}

export function passagesOf(call: ChatCall): PassageData[] {
  return (call.data.passages as PassageData[] | undefined) ?? [];
}

/** Default behaviour: a well-behaved model that answers from the first passage and cites it. */
export const goodModel: Record<Exclude<DoubleTask, 'other'>, ChatHandler> = {
  understand: (call) => {
    const data = call.data.patient_data as { message?: string } | undefined;
    const message = data?.message ?? '';
    const language = /\b(apa|yang|saya|dan|bagaimana|untuk|tidak|anak|ayah|ibu|berapa|boleh)\b/i.test(message)
      ? 'id'
      : 'en';
    return { json: { query: message, language, safety: 'none' } };
  },
  answer: (call) => {
    const [first] = passagesOf(call);
    if (!first) return { json: { answerable: false, answer: '', citations: [], safety: 'none' } };
    return { json: { answerable: true, answer: firstSentence(first.text), citations: [first.id], safety: 'none' } };
  },
  verify: () => ({ json: { supported: true, problems: [] } }),
};

function taskOf(body: Record<string, unknown>, system: string): DoubleTask {
  const format = body.response_format as { json_schema?: { name?: string } } | undefined;
  const name = format?.json_schema?.name?.replace(/^sehat_/, '');
  const fromSystem = /Task:\s*(understand|answer|verify)\b/.exec(system)?.[1];
  const task = name ?? fromSystem;
  return task === 'understand' || task === 'answer' || task === 'verify' ? task : 'other';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (c as { text?: string }).text ?? '').join('');
  return '';
}

function blocks(user: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of user.matchAll(/<(patient_data|passages|draft)>\s*([\s\S]*?)\s*<\/\1>/g)) {
    try {
      out[m[1] ?? ''] = JSON.parse(m[2] ?? '');
    } catch {
      out[m[1] ?? ''] = m[2];
    }
  }
  return out;
}

/** Bag-of-words vector: texts sharing words are similar, so hybrid retrieval can be tested meaningfully. */
export function fakeEmbedding(text: string, dims = 64): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/\p{L}{3,}/gu) ?? []) {
    const h = createHash('md5').update(word).digest();
    vector[(h[0] ?? 0) % dims] = (vector[(h[0] ?? 0) % dims] ?? 0) + 1;
  }
  return vector;
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export async function startOpenAiDouble(): Promise<OpenAiDouble> {
  const requests: RecordedRequest[] = [];
  const calls: ChatCall[] = [];
  const handlers = new Map<DoubleTask, ChatHandler>();
  const queues = new Map<DoubleTask, DoubleReply[]>();
  let embeddingQueue: DoubleReply[] = [];
  const hanging = new Set<ServerResponse>();

  const send = async (res: ServerResponse, reply: DoubleReply, ok: (content: string) => unknown, stream: boolean) => {
    if ('delayMs' in reply) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      return send(res, reply.then, ok, stream);
    }
    if ('hang' in reply) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify({ error: { message: reply.error ?? `scripted ${reply.status}`, type: 'scripted' } }));
      return;
    }
    const content = 'json' in reply ? JSON.stringify(reply.json) : reply.content;
    if (!res.writableEnded && !res.destroyed) {
      const payload = ok(content);
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const chunk of payload as unknown[]) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      }
    }
  };

  const chat = async (body: Record<string, unknown>, res: ServerResponse) => {
    const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
    const system = messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => textOf(m.content))
      .join('\n');
    const user = messages
      .filter((m) => m.role === 'user')
      .map((m) => textOf(m.content))
      .join('\n');
    const call: ChatCall = {
      task: taskOf(body, system),
      model: String(body.model),
      body,
      system,
      user,
      data: blocks(user),
    };
    calls.push(call);
    const queued = queues.get(call.task)?.shift();
    const handler = handlers.get(call.task) ?? (call.task === 'other' ? undefined : goodModel[call.task]);
    const reply: DoubleReply = queued ?? (handler ? await handler(call) : { status: 400, error: 'unknown task' });
    const promptTokens = tokens(system + user);
    const id = `chatcmpl-${calls.length}`;
    const created = Math.floor(Date.now() / 1000);
    const stream = body.stream === true;
    await send(
      res,
      reply,
      (content) => {
        const usage = {
          prompt_tokens: promptTokens,
          completion_tokens: tokens(content),
          total_tokens: promptTokens + tokens(content),
        };
        if (!stream)
          return {
            id,
            object: 'chat.completion',
            created,
            model: call.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content, refusal: null },
                finish_reason: 'stop',
                logprobs: null,
              },
            ],
            usage,
          };
        const base = { id, object: 'chat.completion.chunk', created, model: call.model };
        const pieces = content.match(/[\s\S]{1,20}/g) ?? [''];
        return [
          { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
          ...pieces.map((p) => ({ ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })),
          { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
          ...((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage
            ? [{ ...base, choices: [], usage }]
            : []),
        ];
      },
      stream,
    );
  };

  const embeddings = async (body: Record<string, unknown>, res: ServerResponse) => {
    const input = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
    const reply = embeddingQueue.shift() ?? { json: null };
    if (!('json' in reply)) return send(res, reply, () => ({}), false);
    const base64 = body.encoding_format === 'base64';
    const data = input.map((text, index) => {
      const vector = fakeEmbedding(text);
      return {
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      };
    });
    const promptTokens = tokens(input.join(' '));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      }),
    );
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        res.writeHead(400).end();
        return;
      }
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push({ path, headers: req.headers, raw, body });
      const work =
        req.method === 'POST' && path === '/v1/chat/completions'
          ? chat(body, res)
          : req.method === 'POST' && path === '/v1/embeddings'
            ? embeddings(body, res)
            : req.method === 'GET' && path === '/v1/models'
              ? Promise.resolve(
                  void res
                    .writeHead(200, { 'content-type': 'application/json' })
                    .end(JSON.stringify({ object: 'list', data: [] })),
                )
              : Promise.resolve(void res.writeHead(404).end());
      work.catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatCalls: (task) => (task ? calls.filter((c) => c.task === task) : [...calls]),
    on: (task, handler) => void handlers.set(task, handler),
    queue: (task, ...replies) => void queues.set(task, [...(queues.get(task) ?? []), ...replies]),
    queueEmbeddings: (...replies) => void embeddingQueue.push(...replies),
    reset() {
      requests.length = 0;
      calls.length = 0;
      handlers.clear();
      queues.clear();
      embeddingQueue = [];
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
