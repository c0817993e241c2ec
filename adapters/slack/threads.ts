import type { App } from '@slack/bolt';
import { describeError } from '../../src/core/errors.ts';
import { slackErrorCode } from './client.ts';
import { type ConsoleContext, INACTIVE_TEXT, tell } from './context.ts';
import { classifyMessageEvent, slackToMarkdown, splitNotePrefix } from './parse.ts';
import { educatorLabel, MARK } from './render.ts';

/**
 * Messages in a hand-off's thread. Only the educator who owns the chat reaches the patient: their replies
 * are relayed (handoff.reply) and get a delivery mark. Their messages starting with the note prefix, and
 * every message by anyone else, are internal notes: stored in the CRM (handoff.note), never relayed, and
 * marked with a :memo: reaction.
 * @see https://docs.slack.dev/reference/events/message
 */
export function registerThreadMessages(app: App, ctx: ConsoleContext): void {
  const { config, service, store, state, logger } = ctx;
  /** Relays of one hand-off run one after another, so the patient gets the educator's messages in order. */
  const chains = new Map<string, Promise<void>>();

  const react = (ts: string, name: string) =>
    ctx
      .slack()
      .reactions.add({ channel: config.channelId, timestamp: ts, name })
      .catch((error) => {
        if (slackErrorCode(error) !== 'already_reacted') throw error;
      });

  async function handle(message: {
    threadTs: string;
    ts: string;
    userId: string;
    text: string;
    hasFiles: boolean;
  }): Promise<void> {
    const handoffId = await state.handoffForThread(message.threadTs);
    if (!handoffId) return; // a thread that is not a hand-off
    const where = { userId: message.userId, channelId: config.channelId, threadTs: message.threadTs };
    const found = await ctx.educators.forSlackUser(message.userId);
    if (found.kind !== 'ok') return tell(ctx, where, INACTIVE_TEXT);
    const educator = found.educator;
    const handoff = await store.getHandoff(handoffId);
    if (!handoff) return;
    const isOwner = handoff.status === 'claimed' && handoff.educatorId === educator.id;
    const split = splitNotePrefix(slackToMarkdown(message.text), config.notePrefix);

    if (isOwner && !split.isNote) {
      if (!split.text) return tell(ctx, where, 'Files are not sent to patients: please write your answer as text.');
      try {
        await service.reply(handoffId, ctx.educators.patientFacing(educator), split.text);
      } catch (error) {
        await react(message.ts, MARK.failed);
        return tell(ctx, where, `Not sent to the patient: ${describeError(error).message}.`);
      }
      if (message.hasFiles) await tell(ctx, where, 'Only the text was sent: files are not sent to patients.');
      await ctx.marks.markReply({
        conversationId: handoff.conversationId,
        handoffId,
        educatorId: educator.id,
        channel: config.channelId,
        ts: message.ts,
        threadTs: message.threadTs,
      });
      return;
    }
    await service.note(handoffId, educator, split.text || '(attachment)');
    await react(message.ts, MARK.note);
    if (!isOwner && !(await state.flag(handoffId, `hint:${educator.id}`))) {
      await state.setFlag(handoffId, `hint:${educator.id}`);
      const owner = handoff.educatorId ? await store.getEducator(handoff.educatorId) : undefined;
      await tell(
        ctx,
        where,
        handoff.status === 'claimed'
          ? `Saved as an internal note: only ${educatorLabel(owner)}, who has this chat, reaches the patient.`
          : 'Saved as an internal note: claim the chat to reply to the patient.',
      );
    }
  }

  app.event('message', async ({ event }) => {
    const message = classifyMessageEvent(event as unknown as Record<string, unknown>, config.channelId);
    if (message.kind === 'ignored') {
      logger.debug({ reason: message.reason }, 'Slack message ignored');
      return;
    }
    const key = message.threadTs;
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => handle(message))
      .catch((error) => logger.error({ ...describeError(error) }, 'Slack thread message failed'));
    chains.set(key, next);
    await next;
    if (chains.get(key) === next) chains.delete(key);
  });
}
