import { createInterface } from 'node:readline';
import { type Core, createCore } from '../app.ts';
import type { Env } from '../config/env.ts';
import { partsToPlainText } from '../core/plain-text.ts';
import type { Decision, OutboundPart } from '../core/types.ts';
import { createSilentLogger } from '../shared/logger.ts';
import { createCaptureChannel } from './capture-channel.ts';

/**
 * The stable JSON form of one answer (documented in README; editors and tests rely on it):
 * { reply: string, parts: OutboundPart[], decision: Decision, replies: { text, decision }[] }
 * `reply`/`parts` are everything the bot sent for the message; `decision` is the main reply's (the first
 * that is not a notice).
 */
export interface AskResult {
  reply: string;
  parts: OutboundPart[];
  decision: Decision | null;
  replies: { text: string; decision: Decision | null }[];
}

export interface AskSession {
  ask(text: string, options?: { conversation?: string; lang?: string }): Promise<AskResult>;
  core: Core;
  close(): Promise<void>;
}

export async function openAskSession(env: Env, options: { db?: string } = {}): Promise<AskSession> {
  const capture = createCaptureChannel();
  const core = await createCore(
    { ...env, DATABASE_URL: options.db ?? 'sqlite::memory:', KB_HOT_RELOAD: false },
    { logger: createSilentLogger(), extraChannels: [capture], greetOnFirstContact: false },
  );
  const lockedLanguage = new Map<string, string>();
  let counter = 0;

  const send = async (conversation: string, text: string): Promise<AskResult> => {
    counter += 1;
    const id = `ask-${process.pid}-${Date.now()}-${counter}`;
    const result = await core.engine.accept({
      id,
      channel: 'webchat',
      key: `webchat:cli-${conversation}`,
      from: { externalId: `cli-${conversation}` },
      receivedAt: core.clock.now(),
      content: { kind: 'text', text },
    });
    await core.queue.idle();
    if (result.status !== 'accepted') return { reply: '', parts: [], decision: null, replies: [] };
    const messages = capture.take(result.messageId);
    const stored = await core.crm.getMessage(result.messageId);
    const outbound = stored ? await core.crm.listMessages(stored.conversationId, { limit: 20 }) : [];
    const decisions = outbound.filter((m) => m.correlationId === result.messageId).map((m) => m.decision);
    const replies = messages.map((m, i) => ({
      text: partsToPlainText(m.parts),
      parts: m.parts,
      decision: decisions[i] ?? null,
    }));
    return {
      reply: replies.map((r) => r.text).join('\n\n'),
      parts: replies.flatMap((r) => r.parts),
      // The main reply's decision is the first that is not a notice: a safety reply or decline comes first
      // (a general article may follow it), and hand-off notices follow answers and fallbacks.
      decision: replies.find((r) => r.decision?.action !== 'notice')?.decision ?? replies[0]?.decision ?? null,
      replies: replies.map(({ text, decision }) => ({ text, decision })),
    };
  };

  return {
    core,
    async ask(text, { conversation = `c${counter + 1}-${Math.random().toString(36).slice(2, 8)}`, lang } = {}) {
      if (lang && lockedLanguage.get(conversation) !== lang) {
        await send(conversation, `/lang ${lang}`);
        lockedLanguage.set(conversation, lang);
      }
      return send(conversation, text);
    },
    close: () => core.stop(),
  };
}

function printHuman(result: AskResult): void {
  console.log(result.reply);
  if (result.decision) {
    const d = result.decision;
    const articles = d.articles.map((a) => `${a.id} (${a.score})`).join(', ') || '—';
    console.log(
      `\n— triage: ${d.triage} · action: ${d.action} · language: ${d.language} · confidence: ${d.confidence} · articles: ${articles}${d.rules.length ? ` · rules: ${d.rules.join(', ')}` : ''}`,
    );
    if (d.llm)
      console.log(
        `— llm: ${d.llm.model} · grounded: ${d.llm.grounded ? 'yes' : `no (${d.llm.fallbackReason})`} · tokens: ${d.llm.tokens?.input ?? 0} in / ${d.llm.tokens?.output ?? 0} out · ${d.llm.latencyMs ?? 0} ms`,
      );
  }
}

export async function runAsk(
  env: Env,
  text: string | undefined,
  options: { lang?: string; json?: boolean; jsonl?: boolean; db?: string },
): Promise<number> {
  const session = await openAskSession(env, { db: options.db });
  try {
    if (options.jsonl) {
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo += 1;
        if (!line.trim()) continue;
        let input: { text?: unknown; lang?: unknown; conversation?: unknown };
        try {
          input = JSON.parse(line);
        } catch {
          process.stdout.write(`${JSON.stringify({ error: `line ${lineNo}: not valid JSON` })}\n`);
          continue;
        }
        if (typeof input.text !== 'string' || !input.text.trim()) {
          process.stdout.write(`${JSON.stringify({ error: `line ${lineNo}: "text" must be a non-empty string` })}\n`);
          continue;
        }
        const result = await session.ask(input.text, {
          conversation: typeof input.conversation === 'string' ? input.conversation : `line-${lineNo}`,
          lang: typeof input.lang === 'string' ? input.lang : options.lang,
        });
        process.stdout.write(`${JSON.stringify({ reply: result.reply, decision: result.decision })}\n`);
      }
      return 0;
    }
    if (!text?.trim()) {
      console.error('Give a question: sehat ask "what is dengue?" (or --jsonl to read many from stdin)');
      return 2;
    }
    const result = await session.ask(text, { lang: options.lang, conversation: 'single' });
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else printHuman(result);
    return 0;
  } finally {
    await session.close();
  }
}
