import type { types } from '@slack/bolt';
import type { ContactExport } from '../../src/crm/crm-store.ts';
import type { HandoffView } from '../../src/handoff/handoff-view.ts';
import type { Article } from '../../src/knowledge/article.ts';
import { handoffRef } from './parse.ts';
import {
  ACTION,
  type Block,
  button,
  educatorLabel,
  escapeSlack,
  formatWait,
  PRIORITY_MARKER,
  patientLabel,
  REASON_LABEL,
  slackTime,
  truncate,
  VIEW,
} from './render.ts';

/**
 * Pure: App Home, modals and the private (ephemeral) answers of `/sehat`.
 * @see https://docs.slack.dev/surfaces/app-home  @see https://docs.slack.dev/surfaces/modals
 */
const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 2900) } });
const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text, emoji: true } });

export interface TodayNumbers {
  opened: number;
  claimed: number;
  closed: number;
  waiting: number;
  /** Median minutes from opening to claim, of today's claimed hand-offs. */
  medianWaitMinutes: number | null;
}

function queueLine(view: HandoffView): string {
  return `${PRIORITY_MARKER[view.handoff.priority]} · *${REASON_LABEL[view.handoff.reason]}* — ${escapeSlack(patientLabel(view.contact))} · ${escapeSlack(view.channel)} · waiting ${formatWait(view.waitingMs)} · ${handoffRef(view.handoff.id)}`;
}

/** The live queue, waiting hand-offs first (by priority, then longest wait), each with a Claim button. */
export function queueBlocks(views: HandoffView[], limit = 15): Block[] {
  const waiting = views.filter((v) => v.handoff.status === 'waiting');
  if (waiting.length === 0) return [section(':sparkles: Nobody is waiting.')];
  const blocks: Block[] = waiting.slice(0, limit).map((v) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: queueLine(v) },
    accessory: button('Claim', ACTION.claim, v.handoff.id, 'primary'),
  }));
  if (waiting.length > limit)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${waiting.length - limit} more.` }] });
  return blocks;
}

export function renderHome(input: {
  queue: HandoffView[];
  mine: HandoffView[];
  today: TodayNumbers;
  oncallMention: string;
}): types.HomeView {
  const { today } = input;
  const numbers = `Opened *${today.opened}* · claimed *${today.claimed}* · closed *${today.closed}* · waiting now *${today.waiting}*${today.medianWaitMinutes !== null ? ` · median wait to claim *${today.medianWaitMinutes} min*` : ''}`;
  const mine: Block[] =
    input.mine.length === 0
      ? [section('_No active chats. Claim one from the queue below._')]
      : input.mine.map((v) => ({
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${queueLine(v)}\nClaimed ${slackTime(v.handoff.claimedAt ?? v.handoff.createdAt)}`,
          },
          accessory: button('View profile', ACTION.profile, v.handoff.id),
        }));
  return {
    type: 'home',
    blocks: [
      header('Sehat — educator queue'),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `*Today:* ${numbers}` }] },
      { type: 'divider' },
      header('Your active chats'),
      ...mine.slice(0, 20),
      { type: 'divider' },
      header(`Waiting (${input.queue.filter((v) => v.handoff.status === 'waiting').length})`),
      ...queueBlocks(input.queue, 30),
      ...(input.oncallMention
        ? [
            {
              type: 'context' as const,
              elements: [
                { type: 'mrkdwn' as const, text: `On call when a chat passes its SLA: ${input.oncallMention}` },
              ],
            },
          ]
        : []),
    ],
  };
}

const input = (blockId: string, label: string, element: types.InputBlockElement, optional = false): Block => ({
  type: 'input',
  block_id: blockId,
  label: { type: 'plain_text', text: label },
  element,
  optional,
});

export function renderCloseModal(handoffId: string, patient: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.close,
    private_metadata: handoffId,
    title: { type: 'plain_text', text: 'Close chat' },
    submit: { type: 'plain_text', text: 'Close chat' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `Close the chat with *${escapeSlack(patient)}* (${handoffRef(handoffId)}). They will be asked for a rating.`,
      ),
      input('outcome', 'Outcome', { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 2000 }),
      input(
        'tags',
        'Tags (comma-separated)',
        { type: 'plain_text_input', action_id: 'value', placeholder: { type: 'plain_text', text: 'dengue, referral' } },
        true,
      ),
    ],
  };
}

export function renderTransferModal(handoffId: string, patient: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.transfer,
    private_metadata: handoffId,
    title: { type: 'plain_text', text: 'Transfer chat' },
    submit: { type: 'plain_text', text: 'Transfer' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`Hand the chat with *${escapeSlack(patient)}* to a colleague.`),
      input('to', 'Educator', { type: 'users_select', action_id: 'value' }),
    ],
  };
}

/** A patient's profile and recent history from the CRM (for the modal and `/sehat patient`). */
export function profileBlocks(data: ContactExport, educatorName: (id: string | null) => string | undefined): Block[] {
  const { contact } = data;
  const messages = data.conversations
    .flatMap((c) => c.messages)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(-12);
  const ratings = data.feedback.map((f) => f.rating);
  const lines = messages.map((m) => {
    const author =
      m.direction === 'in'
        ? escapeSlack(patientLabel(contact))
        : m.author.kind === 'educator'
          ? escapeSlack(educatorName(m.author.id) ?? 'Educator')
          : 'Sehat bot';
    const icon = m.direction === 'note' ? ':memo: ' : '';
    return `${slackTime(m.createdAt, '{date_short} {time}')} ${icon}*${author}*: ${escapeSlack(truncate(m.text, 200))}`;
  });
  return [
    section(
      `*${escapeSlack(patientLabel(contact))}*\nContact id: \`${contact.id}\` · language: ${escapeSlack(contact.language ?? 'unknown')} · first contact ${slackTime(contact.createdAt, '{date_short}')}`,
    ),
    section(
      `*Channels:* ${[...new Set(data.identities.map((i) => i.channel))].join(', ') || 'none'} · *Conversations:* ${data.conversations.length}${ratings.length ? ` · *Ratings:* ${ratings.join(', ')}` : ''}`,
    ),
    { type: 'divider' },
    section(lines.length ? `*Recent history*\n${lines.join('\n')}` : '_No messages._'),
  ];
}

export function renderProfileModal(blocks: Block[]): types.ModalView {
  return { type: 'modal', title: { type: 'plain_text', text: 'Patient profile' }, blocks: blocks.slice(0, 100) };
}

export interface ChatTarget {
  handoffId: string;
  patient: string;
}

/** A knowledge-base article, privately, with one "Send to <patient>" button per chat the educator has. */
export function articleBlocks(article: Article, targets: ChatTarget[], score?: number): Block[] {
  const sources = article.sources.map((s) => `<${s.url}|${escapeSlack(s.title)}>`).join(' · ');
  const blocks: Block[] = [
    section(
      `:books: *${escapeSlack(article.title)}* (${article.id}, ${article.lang}${score !== undefined ? `, match ${score.toFixed(2)}` : ''})\n${escapeSlack(truncate(article.summary, 1200))}${sources ? `\n_Sources:_ ${sources}` : ''}`,
    ),
  ];
  if (targets.length === 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Claim a chat to send this article to a patient.' }],
    });
  else
    blocks.push({
      type: 'actions',
      elements: targets
        .slice(0, 5)
        .map((t) =>
          button(
            `Send to ${truncate(t.patient, 30)}`,
            ACTION.sendArticle,
            JSON.stringify({ h: t.handoffId, a: article.id, l: article.lang }),
          ),
        ),
    });
  return blocks;
}

export const HELP_TEXT = [
  '*Sehat commands*',
  '`/sehat queue` — who is waiting, with Claim buttons',
  '`/sehat kb <question>` — search the knowledge base; send an article to your patient',
  '`/sehat patient <contact id | H-ref>` — profile and history from the CRM',
  '`/sehat close [H-ref] <outcome> #tag …` — close your chat (the ref is needed when you have several)',
  '`/sehat help` — this list',
].join('\n');

export function helpBlocks(): Block[] {
  return [section(HELP_TEXT)];
}

export function educatorList(views: HandoffView[]): string {
  return views.map((v) => `${handoffRef(v.handoff.id)} ${educatorLabel(v.educator)}`).join(', ');
}
