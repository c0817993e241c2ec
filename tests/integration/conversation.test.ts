import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFrontMatter } from '../../src/knowledge/front-matter.ts';
import { inboundContent, inboundText } from '../support/builders.ts';
import { makeKnowledgeDir } from '../support/knowledge-dir.ts';
import { createTestCore, shown, type TestCore } from '../support/test-core.ts';

function summaryOf(path: string): string {
  return String((parseFrontMatter(readFileSync(path, 'utf8')).data as { summary: string }).summary).trim();
}

describe('a patient asking the knowledge base', () => {
  let core: TestCore;
  afterEach(async () => {
    await core?.stop();
  });

  it('answers "what is a normal blood sugar level?" with the diabetes article, its source and a More button', async () => {
    core = await createTestCore();
    const replies = await core.say(inboundText('what is a normal blood sugar level?'));
    const article = replies.flatMap((r) => r.parts).find((p) => p.kind === 'article');
    expect(article).toMatchObject({
      kind: 'article',
      articleId: 'diabetes-basics',
      summary: summaryOf('knowledge/en/diabetes-basics.md'),
    });
    expect(article?.kind === 'article' && article.sources[0]?.url).toMatch(/^https:\/\//);
    expect(
      replies
        .flatMap((r) => r.parts)
        .some((p) => p.kind === 'choices' && p.choices.some((c) => c.id === 'more:diabetes-basics')),
    ).toBe(true);
  });

  it('answers the Indonesian question with the Indonesian article', async () => {
    core = await createTestCore();
    const replies = await core.say(inboundText('gula darah normal berapa?'));
    expect(shown(replies)).toContain(summaryOf('knowledge/id/diabetes-basics.md'));
  });

  it('gives the next section for "more", then the next, then says there is no more', async () => {
    core = await createTestCore();
    await core.say(inboundText('what is a normal blood sugar level?'));
    const body = readFileSync('knowledge/en/diabetes-basics.md', 'utf8');
    const headings = [...body.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    const first = await core.say(inboundText('more'));
    expect(shown(first)).toContain(`**${headings[0]}**`);
    const second = await core.say(inboundContent({ kind: 'choice', choiceId: 'more:diabetes-basics', label: 'More' }));
    expect(shown(second)).toContain(`**${headings[1]}**`);
    for (let i = 2; i < headings.length; i++) await core.say(inboundText('tell me more'));
    expect(shown(await core.say(inboundText('more')))).toMatch(/That's all I have/);
  });

  it('does not guess on nonsense: hands off and records an unanswered question', async () => {
    core = await createTestCore();
    const replies = await core.say(inboundText('qwxz blorft zzkv'));
    expect(shown(replies)).toMatch(/won't guess/);
    const unanswered = await core.crm.listUnanswered();
    expect(unanswered.map((u) => u.text)).toEqual(['qwxz blorft zzkv']);
    const conversation = await core.crm.findConversationByKey('webchat:patient-1');
    expect(conversation?.mode).toBe('waiting');
    expect(await core.handoffStore.findOpenHandoff(conversation?.id ?? '')).toMatchObject({
      reason: 'unanswered',
      priority: 'normal',
    });
  });

  it('processes the same message id once, however often it is delivered', async () => {
    core = await createTestCore();
    const message = inboundText('what is dengue?');
    await core.say(message);
    const again = await core.say(message);
    const third = await core.engine.accept(message);
    expect(again).toEqual([]);
    expect(third).toEqual({ status: 'duplicate' });
    const conversation = await core.crm.findConversationByKey('webchat:patient-1');
    const stored = await core.crm.listMessages(conversation?.id ?? '');
    expect(stored.filter((m) => m.direction === 'in')).toHaveLength(1);
  });

  it('stores every exchange, both directions, with the Decision of each bot reply', async () => {
    core = await createTestCore();
    await core.say(inboundText('what is dengue?'));
    const conversation = await core.crm.findConversationByKey('webchat:patient-1');
    const stored = await core.crm.listMessages(conversation?.id ?? '');
    expect(stored.map((m) => m.direction)).toEqual(['in', 'out']);
    expect(stored[0]).toMatchObject({ text: 'what is dengue?', status: 'processed' });
    expect(stored[1]).toMatchObject({
      status: 'sent',
      decision: { triage: 'routine', action: 'answer', language: 'en' },
    });
    expect(stored[1]?.decision?.articles[0]?.id).toBe('dengue');
  });

  it('switches language with /lang and keeps it even for an English question', async () => {
    core = await createTestCore();
    expect(shown(await core.say(inboundText('/lang id')))).toMatch(/Bahasa Indonesia/);
    const replies = await core.say(inboundText('what is dengue?'));
    expect(shown(replies)).toContain(summaryOf('knowledge/id/dengue.md'));
  });

  it('tells the patient when an article is not translated and gives the available one', async () => {
    const dir = makeKnowledgeDir([
      {
        id: 'cholera-info',
        lang: 'en',
        title: 'Cholera facts',
        questions: ['what is cholera'],
        summary: 'Cholera is a diarrhoeal infection caused by eating or drinking contaminated food or water.',
      },
    ]);
    core = await createTestCore({ KNOWLEDGE_DIR: dir });
    await core.say(inboundText('/lang id'));
    const text = shown(await core.say(inboundText('apa itu cholera')));
    expect(text).toMatch(/belum tersedia dalam Bahasa Indonesia/);
    expect(text).toContain('Cholera is a diarrhoeal infection');
  });

  it('asks which article was meant when two are equally close', async () => {
    const dir = makeKnowledgeDir([
      {
        id: 'malaria-children',
        lang: 'en',
        title: 'Malaria in children',
        questions: ['malaria fever treatment'],
        summary: 'Malaria fever treatment for children is given by a health worker after a test.',
      },
      {
        id: 'malaria-adults',
        lang: 'en',
        title: 'Malaria in adults',
        questions: ['malaria fever treatment adults'],
        summary: 'Malaria fever treatment for adults is given by a health worker after a test.',
      },
    ]);
    core = await createTestCore({ KNOWLEDGE_DIR: dir });
    const replies = await core.say(inboundText('malaria fever'));
    const choices = replies.flatMap((r) => r.parts).find((p) => p.kind === 'choices');
    expect(choices?.kind === 'choices' && choices.choices.map((c) => c.id).sort()).toEqual([
      'article:malaria-adults',
      'article:malaria-children',
    ]);
    const picked = await core.say(
      inboundContent({ kind: 'choice', choiceId: 'article:malaria-adults', label: 'Malaria in adults' }),
    );
    expect(shown(picked)).toContain('Malaria fever treatment for adults');
  });

  it('answers media and unknown message types politely without failing', async () => {
    core = await createTestCore();
    expect(shown(await core.say(inboundContent({ kind: 'media', media: 'image', ref: 'file-1' })))).toMatch(
      /only read text/,
    );
    expect(shown(await core.say(inboundContent({ kind: 'unsupported', platformType: 'poll' })))).toMatch(
      /only read text/,
    );
  });

  it('greets a new patient once, with the privacy notice, before the first answer', async () => {
    core = await createTestCore({}, { greet: true });
    const first = shown(await core.say(inboundText('what is dengue?')));
    expect(first).toMatch(/Privacy/);
    expect(shown(await core.say(inboundText('what is tuberculosis?')))).not.toMatch(/Privacy/);
  });

  it('processes, after a restart, messages that were stored but not handled before a crash', async () => {
    const dbUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sehat-crash-')), 'crm.db')}`;
    core = await createTestCore({ DATABASE_URL: dbUrl });
    await core.queue.stop(); // the worker dies: the message is stored but never handled
    await expect(
      core.engine.accept(inboundText('what is dengue?', { from: { externalId: 'p9' }, key: 'webchat:p9' })),
    ).rejects.toThrow();
    await core.stop();
    const restarted = await createTestCore({ DATABASE_URL: dbUrl });
    try {
      expect(await restarted.engine.recover()).toBe(1);
      await restarted.queue.idle();
      expect(shown(restarted.sent)).toContain(summaryOf('knowledge/en/dengue.md'));
      expect(await restarted.crm.listUnprocessedInbound(10)).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });
});

describe("the patient's own data", () => {
  let core: TestCore;
  afterEach(async () => {
    await core?.stop();
  });

  it('shows, exports and — after confirmation — erases everything stored about the patient', async () => {
    core = await createTestCore();
    await core.say(
      inboundText('what is dengue?', { from: { externalId: 'p1', displayName: 'Siti' }, key: 'webchat:p1' }),
    );
    expect(shown(await core.say(inboundText('/mydata', { from: { externalId: 'p1' }, key: 'webchat:p1' })))).toMatch(
      /name: Siti; .* 3 messages on webchat/,
    );
    expect(shown(await core.say(inboundText('/export', { from: { externalId: 'p1' }, key: 'webchat:p1' })))).toMatch(
      /> what is dengue\?/,
    );

    const ask = await core.say(inboundText('/delete', { from: { externalId: 'p1' }, key: 'webchat:p1' }));
    expect(
      ask.flatMap((m) => m.parts).some((p) => p.kind === 'choices' && p.choices.some((c) => c.id === 'privacy:erase')),
    ).toBe(true);
    const contactId = (await core.crm.findConversationByKey('webchat:p1'))?.contactId ?? '';
    expect(shown(await core.say(inboundText('DELETE', { from: { externalId: 'p1' }, key: 'webchat:p1' })))).toMatch(
      /being erased/,
    );
    expect(await core.crm.findConversationByKey('webchat:p1')).toBeUndefined();
    expect(await core.crm.getContact(contactId)).toBeUndefined();
    expect((await core.crm.listAudit()).map((e) => [e.actor, e.action])).toEqual([['patient', 'contact.erase']]);
  });

  it('does not erase anything without an explicit yes', async () => {
    core = await createTestCore();
    await core.say(inboundText('/delete'));
    await core.say(inboundText('what is dengue?'));
    expect(await core.crm.findConversationByKey('webchat:patient-1')).toBeDefined();
    expect(shown(core.sent.slice(-1))).toMatch(/Dengue/i);
  });
});

describe('a flood of messages', () => {
  it('stores every message but processes only up to the limit, and asks the patient once to slow down', async () => {
    const core = await createTestCore({ INBOUND_MESSAGES_PER_MINUTE: '3' });
    try {
      for (let i = 0; i < 6; i++) await core.say(inboundText(`what is dengue? ${i}`));
      const conversation = await core.crm.findConversationByKey('webchat:patient-1');
      const stored = await core.crm.listMessages(conversation?.id ?? '');
      expect(stored.filter((m) => m.direction === 'in').map((m) => m.status)).toEqual([
        'processed',
        'processed',
        'processed',
        'throttled',
        'throttled',
        'throttled',
      ]);
      expect(shown(core.sent).match(/sending many messages very quickly/g)).toHaveLength(1);
    } finally {
      await core.stop();
    }
  });
});

describe('replies left pending by a crash', () => {
  it('are sent once after a restart, and not again on the next restart', async () => {
    const dbUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sehat-outbox-')), 'crm.db')}`;
    const first = await createTestCore({ DATABASE_URL: dbUrl });
    await first.say(inboundText('what is dengue?'));
    const conversation = await first.crm.findConversationByKey('webchat:patient-1');
    // What a crash between "written" and "sent" leaves behind: a pending reply.
    await first.crm.recordOutbound({
      conversationId: conversation?.id ?? '',
      channel: 'webchat',
      sender: { kind: 'bot' },
      parts: [{ kind: 'text', markdown: 'the reply that was never sent' }],
      text: 'the reply that was never sent',
      correlationId: 'c-crash',
      at: new Date('2026-03-02T02:59:00Z'), // a minute before the test clock's now
    });
    await first.stop();

    const restarted = await createTestCore({ DATABASE_URL: dbUrl });
    await restarted.engine.recover();
    expect(shown(restarted.sent)).toBe('the reply that was never sent');
    const stored = await restarted.crm.listMessages(conversation?.id ?? '');
    expect(stored.find((m) => m.text === 'the reply that was never sent')?.status).toBe('sent');
    await restarted.stop();

    const again = await createTestCore({ DATABASE_URL: dbUrl });
    await again.engine.recover();
    expect(again.sent).toEqual([]);
    await again.stop();
  });
});
