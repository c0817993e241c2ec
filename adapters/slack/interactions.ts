import type { App, BlockAction, ButtonAction, RespondFn, ViewSubmitAction } from '@slack/bolt';
import { describeError } from '../../src/core/errors.ts';
import { type ConsoleContext, educatorOrTell, tell } from './context.ts';
import { parseTagList } from './parse.ts';
import { ACTION, educatorLabel, escapeSlack, patientLabel, renderNotice, VIEW } from './render.ts';
import { profileBlocks, renderCloseModal, renderProfileModal, renderTransferModal } from './views.ts';

/**
 * Buttons and modals: Claim, View profile, Close (modal: outcome + tags), Release, Transfer (modal: a Slack
 * user), Send article. Every handler acknowledges first, then works.
 * @see https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 * @see https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission
 */
export function registerInteractions(app: App, ctx: ConsoleContext): void {
  const { service, store, logger } = ctx;

  /** Where a clicker gets private answers: ephemeral in the channel/thread, or their DM (Home tab). */
  const origin = (body: BlockAction) => ({
    userId: body.user.id,
    ...(body.channel?.id && { channelId: body.channel.id }),
    ...(body.message?.thread_ts && { threadTs: body.message.thread_ts as string }),
  });

  const guarded = (name: string, fn: (body: BlockAction, value: string, respond?: RespondFn) => Promise<void>) =>
    app.action<BlockAction<ButtonAction>>(name, async ({ ack, body, action, respond }) => {
      await ack();
      try {
        await fn(body, action.value ?? '', body.response_url ? respond : undefined);
      } catch (error) {
        logger.error({ action: name, ...describeError(error) }, 'Slack action failed');
        await tell(ctx, origin(body), `Sorry, that did not work (${describeError(error).message}).`).catch(() => {});
      }
    });

  guarded(ACTION.claim, async (body, handoffId) => {
    const educator = await educatorOrTell(ctx, origin(body));
    if (!educator) return;
    const result = await service.claim(handoffId, ctx.educators.patientFacing(educator));
    if (result.status === 'claimed') {
      ctx.sync.request(handoffId); // the claimed event does this too; sooner is nicer for the clicker
      return;
    }
    if (result.status === 'not_found') return tell(ctx, origin(body), 'This chat no longer exists.');
    const text =
      result.by?.id === educator.id
        ? 'You already have this chat.'
        : `${result.by ? `${educatorLabel(result.by)} (${escapeSlack(result.by.displayName)})` : 'Someone else'} already took this chat.`;
    await tell(ctx, origin(body), text);
  });

  guarded(ACTION.profile, async (body, handoffId) => {
    const view = await service.view(handoffId);
    const data = await ctx.crm.exportContact(view.contact.id);
    if (!data) return tell(ctx, origin(body), 'This patient’s data was erased.');
    const names = new Map((await store.listEducators()).map((e) => [e.id, e.displayName]));
    await ctx.slack().views.open({
      trigger_id: body.trigger_id,
      view: renderProfileModal(profileBlocks(data, (id) => (id ? names.get(id) : undefined))),
    });
  });

  /** The clicker owns the chat (or it is waiting); otherwise tells them who does. */
  async function ownerCheck(body: BlockAction, handoffId: string, verb: string) {
    const educator = await educatorOrTell(ctx, origin(body));
    if (!educator) return undefined;
    const handoff = await store.getHandoff(handoffId);
    if (!handoff || handoff.status === 'closed') {
      await tell(ctx, origin(body), 'This chat is already closed.');
      return undefined;
    }
    if (handoff.status === 'claimed' && handoff.educatorId !== educator.id) {
      const owner = handoff.educatorId ? await store.getEducator(handoff.educatorId) : undefined;
      await tell(ctx, origin(body), `Only ${educatorLabel(owner)}, who has this chat, can ${verb} it.`);
      return undefined;
    }
    return { educator, handoff };
  }

  guarded(ACTION.close, async (body, handoffId) => {
    if (!(await ownerCheck(body, handoffId, 'close'))) return;
    const view = await service.view(handoffId);
    await ctx.slack().views.open({
      trigger_id: body.trigger_id,
      view: renderCloseModal(handoffId, patientLabel(view.contact)),
    });
  });

  guarded(ACTION.transfer, async (body, handoffId) => {
    const checked = await ownerCheck(body, handoffId, 'transfer');
    if (!checked) return;
    if (checked.handoff.status !== 'claimed') return tell(ctx, origin(body), 'Claim the chat before transferring it.');
    const view = await service.view(handoffId);
    await ctx.slack().views.open({
      trigger_id: body.trigger_id,
      view: renderTransferModal(handoffId, patientLabel(view.contact)),
    });
  });

  guarded(ACTION.release, async (body, handoffId) => {
    const educator = await educatorOrTell(ctx, origin(body));
    if (!educator) return;
    if (!(await service.release(handoffId, educator)))
      await tell(ctx, origin(body), 'Only the educator who has the chat can release it.');
  });

  guarded(ACTION.sendArticle, async (body, value, respond) => {
    const educator = await educatorOrTell(ctx, origin(body));
    if (!educator) return;
    const { h: handoffId = '', a: articleId = '', l: lang = '' } = JSON.parse(value) as Record<string, string>;
    const view = await service.view(handoffId);
    const kb = ctx.knowledge();
    const article = kb.article(articleId, view.language ?? lang) ?? kb.article(articleId, lang);
    if (!article) return tell(ctx, origin(body), 'That article is no longer in the knowledge base.');
    const sources = article.sources.map((s) => `${s.title}: ${s.url}`).join('\n');
    const text = kb.fillClinic(`**${article.title}**\n\n${article.summary}${sources ? `\n\n${sources}` : ''}`);
    try {
      await service.reply(handoffId, ctx.educators.patientFacing(educator), text);
    } catch (error) {
      return tell(ctx, origin(body), `Not sent: ${describeError(error).message}.`);
    }
    const patient = escapeSlack(patientLabel(view.contact));
    await respond?.({ replace_original: true, text: `:books: Sent “${escapeSlack(article.title)}” to ${patient}.` });
    const announcement = await ctx.state.announcement(handoffId);
    if (!announcement) return;
    const posted = await ctx.slack().chat.postMessage({
      channel: announcement.channel,
      thread_ts: announcement.ts,
      ...renderNotice(
        `:books: ${educatorLabel(educator)} sent the article “${escapeSlack(article.title)}” to ${patient}.`,
      ),
    });
    await ctx.marks.markReply({
      conversationId: view.handoff.conversationId,
      handoffId,
      educatorId: educator.id,
      channel: announcement.channel,
      ts: posted.ts as string,
      threadTs: announcement.ts,
    });
  });

  app.view<ViewSubmitAction>(VIEW.close, async ({ ack, body, view }) => {
    const handoffId = view.private_metadata;
    const outcome = view.state.values.outcome?.value?.value?.trim() ?? '';
    const tags = parseTagList(view.state.values.tags?.value?.value);
    if (!outcome)
      return ack({ response_action: 'errors', errors: { outcome: 'Write a short outcome note for the record.' } });
    const found = await ctx.educators.forSlackUser(body.user.id);
    const handoff = await store.getHandoff(handoffId);
    const problem =
      found.kind !== 'ok'
        ? 'Your educator account is deactivated.'
        : !handoff || handoff.status === 'closed'
          ? 'This chat is already closed.'
          : handoff.status === 'claimed' && handoff.educatorId !== found.educator.id
            ? 'Only the educator who has this chat can close it.'
            : undefined;
    if (problem || found.kind !== 'ok') return ack({ response_action: 'errors', errors: { outcome: problem ?? '' } });
    await ack();
    try {
      if (!(await service.close(handoffId, found.educator, outcome, tags)))
        await tell(ctx, { userId: body.user.id, channelId: ctx.config.channelId }, 'This chat was already closed.');
    } catch (error) {
      logger.error({ handoffId, ...describeError(error) }, 'closing from Slack failed');
      await tell(ctx, { userId: body.user.id }, `The chat was not closed: ${describeError(error).message}`);
    }
  });

  app.view<ViewSubmitAction>(VIEW.transfer, async ({ ack, body, view }) => {
    const handoffId = view.private_metadata;
    const targetUser = view.state.values.to?.value?.selected_user ?? '';
    if (!targetUser) return ack({ response_action: 'errors', errors: { to: 'Choose a colleague.' } });
    if (targetUser === body.user.id)
      return ack({ response_action: 'errors', errors: { to: 'You already have this chat.' } });
    await ack();
    try {
      const from = await ctx.educators.forSlackUser(body.user.id);
      const to = await ctx.educators.forSlackUser(targetUser);
      const where = { userId: body.user.id, channelId: ctx.config.channelId };
      if (from.kind !== 'ok' || to.kind !== 'ok') return tell(ctx, where, 'That educator account is deactivated.');
      if (!(await service.transfer(handoffId, from.educator, ctx.educators.patientFacing(to.educator))))
        await tell(ctx, where, 'Only the educator who has the chat can transfer it.');
    } catch (error) {
      logger.error({ handoffId, ...describeError(error) }, 'transfer from Slack failed');
    }
  });
}
