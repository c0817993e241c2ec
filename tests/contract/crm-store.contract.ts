import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/crm/audit-chain.ts';
import type { CrmStore } from '../../src/crm/crm-store.ts';

/** One suite, every CrmStore implementation (SQLite and PostgreSQL). */
export function crmStoreContract(name: string, open: () => Promise<{ crm: CrmStore; cleanup(): Promise<void> }>): void {
  describe(`CrmStore contract: ${name}`, () => {
    let crm: CrmStore;
    let cleanup: () => Promise<void>;
    const at = new Date('2026-03-01T08:00:00Z');

    beforeAll(async () => {
      ({ crm, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup();
    });

    async function newConversation(externalId: string) {
      const contact = await crm.upsertContact({ channel: 'telegram', externalId, displayName: 'Siti', at });
      const conversation = await crm.openConversation({
        contactId: contact.id,
        channel: 'telegram',
        key: `telegram:${externalId}`,
        language: 'id',
        at,
      });
      return { contact, conversation };
    }

    it('gives one contact per (channel, external id), however often it is upserted', async () => {
      const a = await crm.upsertContact({ channel: 'telegram', externalId: '100', at });
      const b = await crm.upsertContact({ channel: 'telegram', externalId: '100', displayName: 'Budi', at });
      const other = await crm.upsertContact({ channel: 'whatsapp', externalId: '100', at });
      expect(b.id).toBe(a.id);
      expect(b.displayName).toBe('Budi');
      expect(other.id).not.toBe(a.id);
    });

    it('creates a contact once when two processes upsert at the same moment', async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => crm.upsertContact({ channel: 'webchat', externalId: 'race', at })),
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
    });

    it('opens one conversation per channel key, in bot mode, and keeps its state', async () => {
      const { contact, conversation } = await newConversation('200');
      const again = await crm.openConversation({
        contactId: contact.id,
        channel: 'telegram',
        key: 'telegram:200',
        language: 'en',
        at,
      });
      expect(again.id).toBe(conversation.id);
      expect(again.mode).toBe('bot');
      await crm.updateConversation(
        conversation.id,
        { mode: 'waiting', state: { lastArticleId: 'dengue', sectionIndex: 1 }, replyContext: { ref: 'x' } },
        at,
      );
      const loaded = await crm.findConversationByKey('telegram:200');
      expect(loaded?.mode).toBe('waiting');
      expect(loaded?.state).toEqual({ lastArticleId: 'dengue', sectionIndex: 1 });
      expect(loaded?.replyContext).toEqual({ ref: 'x' });
      expect(await crm.listConversations(contact.id)).toHaveLength(1);
    });

    it('stores an inbound message once per (channel, platform id)', async () => {
      const { conversation } = await newConversation('300');
      const input = {
        conversationId: conversation.id,
        channel: 'telegram' as const,
        platformMessageId: '555',
        content: { kind: 'text' as const, text: 'halo' },
        text: 'halo',
        receivedAt: at,
      };
      const first = await crm.recordInbound(input);
      const second = await crm.recordInbound(input);
      const concurrent = await Promise.all([
        crm.recordInbound({ ...input, platformMessageId: '556' }),
        crm.recordInbound({ ...input, platformMessageId: '556' }),
      ]);
      expect(first).not.toBe('duplicate');
      expect(second).toBe('duplicate');
      expect(concurrent.filter((r) => r === 'duplicate')).toHaveLength(1);
      const messages = await crm.listMessages(conversation.id);
      expect(messages.map((m) => m.platformMessageId)).toEqual(['555', '556']);
      expect(messages[0]?.content).toEqual({ kind: 'text', text: 'halo' });
      expect((await crm.findInbound('telegram', '555'))?.id).toBe(messages[0]?.id);
      expect(await crm.findInbound('telegram', '999')).toBeUndefined();
      expect(await crm.findInbound('whatsapp', '555')).toBeUndefined();
    });

    it('lists accepted-but-unprocessed inbound messages until they are processed', async () => {
      const { conversation } = await newConversation('400');
      const r = await crm.recordInbound({
        conversationId: conversation.id,
        channel: 'telegram',
        platformMessageId: '1',
        content: { kind: 'text', text: 'a' },
        text: 'a',
        receivedAt: at,
      });
      if (r === 'duplicate') throw new Error('unexpected duplicate');
      expect((await crm.listUnprocessedInbound(100)).map((m) => m.id)).toContain(r.id);
      await crm.markInboundProcessed(r.id, at);
      expect((await crm.listUnprocessedInbound(100)).map((m) => m.id)).not.toContain(r.id);
    });

    it('keeps replies in an outbox: pending until marked sent or failed, with the Decision', async () => {
      const { conversation } = await newConversation('500');
      const decision = {
        triage: 'routine' as const,
        rules: [],
        action: 'answer' as const,
        articles: [{ id: 'dengue', score: 3 }],
        confidence: 0.8,
        language: 'id',
      };
      const { id } = await crm.recordOutbound({
        conversationId: conversation.id,
        channel: 'telegram',
        sender: { kind: 'bot' },
        parts: [{ kind: 'text', markdown: 'hi' }],
        text: 'hi',
        decision,
        correlationId: 'c1',
        at,
      });
      expect((await crm.listPendingOutbound(100)).map((m) => m.id)).toContain(id);
      await crm.markOutbound(id, { status: 'sent', platformMessageIds: ['tg-9'], attempts: 2 }, at);
      const stored = await crm.getMessage(id);
      expect(stored).toMatchObject({ status: 'sent', attempts: 2, decision, author: { kind: 'bot' } });
      expect((await crm.listPendingOutbound(100)).map((m) => m.id)).not.toContain(id);
      const educator = await crm.recordOutbound({
        conversationId: conversation.id,
        channel: 'telegram',
        sender: { kind: 'educator', educatorId: 'ed-1', name: 'Ns. Rina' },
        parts: [{ kind: 'text', markdown: 'x' }],
        text: 'x',
        correlationId: 'c2',
        at,
      });
      await crm.markOutbound(educator.id, { status: 'failed', error: 'send_permanent: blocked' }, at);
      expect(await crm.getMessage(educator.id)).toMatchObject({
        status: 'failed',
        error: 'send_permanent: blocked',
        author: { kind: 'educator', id: 'ed-1' },
      });
    });

    it('applies delivery reports by the platform’s message id, never moving a message backwards', async () => {
      const { conversation } = await newConversation('540');
      const send = async (text: string, platformIds: string[]) => {
        const { id } = await crm.recordOutbound({
          conversationId: conversation.id,
          channel: 'telegram',
          sender: { kind: 'bot' },
          parts: [{ kind: 'text', markdown: text }],
          text,
          correlationId: 'c-540',
          at,
        });
        await crm.markOutbound(id, { status: 'sent', platformMessageIds: platformIds, attempts: 1 }, at);
        return id;
      };
      const one = await send('one', ['wamid.A']);
      const two = await send('two part', ['wamid.B1', 'wamid.B2']);
      expect(await crm.markOutboundByPlatformId('telegram', 'wamid.B2', { status: 'read' }, at)).toBe(true);
      expect(await crm.markOutboundByPlatformId('telegram', 'wamid.B1', { status: 'delivered' }, at)).toBe(true);
      expect(await crm.markOutboundByPlatformId('telegram', 'wamid.A', { status: 'delivered' }, at)).toBe(true);
      expect((await crm.getMessage(two))?.status).toBe('read');
      expect((await crm.getMessage(one))?.status).toBe('delivered');
      // Another channel's id, or an id we never sent: nothing to update.
      expect(await crm.markOutboundByPlatformId('whatsapp', 'wamid.A', { status: 'read' }, at)).toBe(false);
      expect(await crm.markOutboundByPlatformId('telegram', 'wamid.Z', { status: 'read' }, at)).toBe(false);
      // Not a substring match: a longer id must not hit a shorter one.
      expect(await crm.markOutboundByPlatformId('telegram', 'wamid.A1', { status: 'read' }, at)).toBe(false);
      await crm.markOutboundByPlatformId('telegram', 'wamid.A', { status: 'failed', error: '131026: x' }, at);
      expect(await crm.getMessage(one)).toMatchObject({ status: 'failed', error: '131026: x' });
    });

    it('finds the replies written for one inbound message, and only those', async () => {
      const { conversation } = await newConversation('550');
      const reply = (correlationId: string, text: string) =>
        crm.recordOutbound({
          conversationId: conversation.id,
          channel: 'telegram',
          sender: { kind: 'bot' },
          parts: [{ kind: 'text', markdown: text }],
          text,
          correlationId,
          at,
        });
      const first = await reply('in-1', 'greeting');
      const second = await reply('in-1', 'answer');
      await reply('in-2', 'another turn');
      const replies = await crm.listReplies(conversation.id, 'in-1');
      expect(replies.map((m) => [m.id, m.text])).toEqual([
        [first.id, 'greeting'],
        [second.id, 'answer'],
      ]);
      expect(await crm.listReplies(conversation.id, 'in-3')).toEqual([]);
    });

    it('records unanswered questions for the editors, newest first', async () => {
      const { conversation } = await newConversation('600');
      await crm.recordUnanswered({
        conversationId: conversation.id,
        messageId: null,
        language: 'id',
        text: 'apa itu x',
        bestArticleId: null,
        bestConfidence: 0,
        at,
      });
      await crm.recordUnanswered({
        conversationId: conversation.id,
        messageId: null,
        language: 'en',
        text: 'what is y',
        bestArticleId: 'dengue',
        bestConfidence: 0.2,
        at: new Date(at.getTime() + 1000),
      });
      const list = await crm.listUnanswered({ limit: 10 });
      expect(list.slice(0, 2).map((q) => q.text)).toEqual(['what is y', 'apa itu x']);
      expect(list[0]?.bestConfidence).toBeCloseTo(0.2);
    });

    it('chains audit events so an edited row is detected', async () => {
      await crm.appendAudit({ actor: 'educator:rina', action: 'handoff.claim', subject: 'h1', details: { a: 1 }, at });
      await crm.appendAudit({ actor: 'educator:rina', action: 'handoff.close', subject: 'h1', at });
      const events = await crm.listAudit();
      const toChain = (list: typeof events) => list.map((e) => ({ ...e, details: JSON.stringify(e.details) }));
      expect(verifyAuditChain(toChain(events))).toBeUndefined();
      const tampered = events.map((e, i) => (i === 0 ? { ...e, actor: 'someone-else' } : e));
      expect(verifyAuditChain(toChain(tampered))).toMatchObject({ seq: events[0]?.seq, problem: 'hash_mismatch' });
    });

    it('answers a readiness ping', async () => {
      await expect(crm.ping()).resolves.toBeUndefined();
    });
  });
}
