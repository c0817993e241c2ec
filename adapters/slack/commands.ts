import type { App, RespondArguments } from '@slack/bolt';
import { describeError } from '../../src/core/errors.ts';
import type { HandoffView } from '../../src/handoff/handoff-view.ts';
import type { Educator } from '../../src/handoff/types.ts';
import { type ConsoleContext, INACTIVE_TEXT } from './context.ts';
import { handoffRef, parseSehatCommand } from './parse.ts';
import { type Block, escapeSlack, patientLabel } from './render.ts';
import { articleBlocks, type ChatTarget, helpBlocks, profileBlocks, queueBlocks } from './views.ts';

/**
 * `/sehat queue | kb <query> | patient <id> | close [ref] <outcome> #tags | help` — answered privately
 * through the command's response_url.
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands#responding_to_commands
 */
export function registerCommands(app: App, ctx: ConsoleContext): void {
  const { service, store, crm, logger } = ctx;

  async function myChats(educator: Educator): Promise<HandoffView[]> {
    const views = await service.queueViews();
    return views.filter((v) => v.handoff.status === 'claimed' && v.handoff.educatorId === educator.id);
  }

  async function kb(query: string, educator: Educator): Promise<Block[]> {
    const snapshot = ctx.knowledge();
    const hits = snapshot.languages
      .flatMap((lang) => snapshot.search(query, lang, 3).map((hit) => ({ ...hit, lang })))
      .sort((a, b) => b.confidence - a.confidence);
    const picked = hits.filter((h, i) => hits.findIndex((o) => o.articleId === h.articleId) === i).slice(0, 3);
    if (picked.length === 0)
      return [{ type: 'section', text: { type: 'mrkdwn', text: `No article matches “${escapeSlack(query)}”.` } }];
    const targets: ChatTarget[] = (await myChats(educator)).map((v) => ({
      handoffId: v.handoff.id,
      patient: patientLabel(v.contact),
    }));
    return picked.flatMap((hit) => {
      const article = snapshot.article(hit.articleId, hit.lang);
      return article ? [...articleBlocks(article, targets, hit.confidence), { type: 'divider' as const }] : [];
    });
  }

  async function patient(idOrRef: string): Promise<Block[]> {
    let contactId = idOrRef;
    if (/^H-[0-9A-F]{6}$/i.test(idOrRef)) {
      const open = await store.listHandoffs({});
      const handoff = open.reverse().find((h) => handoffRef(h.id) === idOrRef.toUpperCase());
      const conversation = handoff && (await crm.getConversation(handoff.conversationId));
      contactId = conversation?.contactId ?? '';
    }
    const data = contactId ? await crm.exportContact(contactId) : undefined;
    if (!data) return [{ type: 'section', text: { type: 'mrkdwn', text: `No patient \`${escapeSlack(idOrRef)}\`.` } }];
    const names = new Map((await store.listEducators()).map((e) => [e.id, e.displayName]));
    return profileBlocks(data, (id) => (id ? names.get(id) : undefined));
  }

  async function close(educator: Educator, ref: string | undefined, outcome: string, tags: string[]): Promise<string> {
    const mine = await myChats(educator);
    const chosen = ref ? mine.filter((v) => handoffRef(v.handoff.id) === ref) : mine;
    if (chosen.length === 0) return ref ? `You have no chat ${ref}.` : 'You have no active chat to close.';
    if (chosen.length > 1)
      return `You have ${chosen.length} chats (${chosen.map((v) => handoffRef(v.handoff.id)).join(', ')}): say which, e.g. \`/sehat close ${handoffRef(chosen[0]?.handoff.id ?? '')} ${escapeSlack(outcome || 'outcome')}\`, or use the Close button in its thread.`;
    if (!outcome) return 'Add an outcome note, e.g. `/sehat close Explained warning signs #dengue`.';
    const view = chosen[0] as HandoffView;
    const ok = await service.close(view.handoff.id, educator, outcome, tags);
    return ok
      ? `Closed the chat with ${escapeSlack(patientLabel(view.contact))} (${handoffRef(view.handoff.id)}).`
      : 'That chat was already closed.';
  }

  app.command('/sehat', async ({ ack, command, respond }) => {
    await ack();
    const say = (message: { text: string; blocks?: Block[] }) =>
      respond({ response_type: 'ephemeral', ...message } as RespondArguments);
    const parsed = parseSehatCommand(command.text ?? '');
    try {
      if (parsed.kind === 'help' || parsed.kind === 'unknown')
        return void (await say({ text: 'Sehat commands', blocks: helpBlocks() }));
      if (parsed.kind === 'queue')
        return void (await say({ text: 'Waiting chats', blocks: queueBlocks(await service.queueViews()) }));
      if (parsed.kind === 'patient')
        return void (await say({ text: 'Patient profile', blocks: await patient(parsed.id) }));
      const found = await ctx.educators.forSlackUser(command.user_id);
      if (found.kind !== 'ok') return void (await say({ text: INACTIVE_TEXT }));
      if (parsed.kind === 'kb')
        return void (await say({
          text: `Articles for “${parsed.query}”`,
          blocks: await kb(parsed.query, found.educator),
        }));
      await say({ text: await close(found.educator, parsed.ref, parsed.outcome, parsed.tags) });
    } catch (error) {
      logger.error({ command: parsed.kind, ...describeError(error) }, '/sehat failed');
      await say({ text: `Sorry, that did not work (${describeError(error).message}).` }).catch(() => {});
    }
  });
}
