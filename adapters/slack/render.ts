import type { types } from '@slack/bolt';
import type { HandoffView, TranscriptLine } from '../../src/handoff/handoff-view.ts';
import type { Educator, HandoffPriority, HandoffReason } from '../../src/handoff/types.ts';
import { handoffRef } from './parse.ts';

/**
 * Pure: what Sehat shows in Slack, as Block Kit. Patient text is escaped (&, <, >) so it can never ping
 * @channel or forge links. @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export type Block = types.KnownBlock;
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export const ACTION = {
  claim: 'sehat_claim',
  profile: 'sehat_profile',
  close: 'sehat_close',
  release: 'sehat_release',
  transfer: 'sehat_transfer',
  sendArticle: 'sehat_send_article',
} as const;
export const VIEW = { close: 'sehat_close_modal', transfer: 'sehat_transfer_modal' } as const;

/** Reactions on an educator's thread message. */
export const MARK = {
  note: 'memo',
  pending: 'hourglass_flowing_sand',
  sent: 'heavy_check_mark',
  delivered: 'white_check_mark',
  read: 'eyes',
  failed: 'x',
} as const;

export const PRIORITY_MARKER: Record<HandoffPriority, string> = {
  urgent: ':red_circle: URGENT',
  high: ':large_orange_circle: High',
  normal: ':large_blue_circle: Normal',
};

export const REASON_LABEL: Record<HandoffReason, string> = {
  emergency: 'Emergency',
  crisis: 'Crisis',
  complaint: 'Complaint',
  human_request: 'Request',
  personal_medical: 'Personal medical question',
  unanswered: 'Unanswered question',
};

const SECTION_LIMIT = 2900; // Slack's section text limit is 3000 characters

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const quote = (text: string) =>
  escapeSlack(text)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');

/** Slack renders this in each reader's own time zone. @see https://docs.slack.dev/messaging/formatting-message-text#date-formatting */
export function slackTime(iso: string, format = '{time}'): string {
  const date = new Date(iso);
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${date.toISOString().slice(11, 16)} UTC>`;
}

export function formatWait(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Slack-backed educators are mentioned (Slack shows their current name); others by their Sehat name. */
export function educatorLabel(educator: Pick<Educator, 'username' | 'displayName'> | undefined): string {
  if (!educator) return 'someone';
  const slackId = educator.username.startsWith('slack:') ? educator.username.slice('slack:'.length) : undefined;
  return slackId ? `<@${slackId}>` : escapeSlack(educator.displayName);
}

export function patientLabel(contact: { id: string; displayName: string | null }): string {
  return contact.displayName?.trim() || `Patient ${contact.id.slice(-4).toUpperCase()}`;
}

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger'): types.Button => ({
  type: 'button',
  text: { type: 'plain_text', text, emoji: true },
  action_id: actionId,
  value,
  ...(style && { style }),
});

const who = (line: TranscriptLine, patient: string) =>
  line.author === 'patient'
    ? `*${escapeSlack(patient)}*`
    : line.author === 'educator'
      ? `*${escapeSlack(line.authorName ?? 'Educator')}*${line.direction === 'note' ? ' (note)' : ''}`
      : '_Sehat bot_';

/** One transcript line as mrkdwn: `10:02 *Siti*: text`, with a mark when it did not reach the patient. */
export function transcriptLineText(line: TranscriptLine, patient: string, maxLength = 1500): string {
  const failed = line.status === 'failed' ? ' :x: _not delivered_' : '';
  const icon = line.direction === 'note' ? ':memo: ' : '';
  return `${slackTime(line.at)} ${icon}${who(line, patient)}: ${escapeSlack(truncate(line.text, maxLength))}${failed}`;
}

function statusLine(view: HandoffView, oncallMention: string): string {
  const { handoff } = view;
  if (handoff.status === 'closed')
    return `:white_check_mark: Closed by ${educatorLabel(view.educator)}${handoff.tags.length ? ` · tags: ${handoff.tags.map(escapeSlack).join(', ')}` : ''}`;
  if (handoff.status === 'claimed')
    return `:raised_hand: Claimed by ${educatorLabel(view.educator)} (${escapeSlack(view.educator?.displayName ?? '')}) — replies go to the patient from the thread`;
  const escalated = handoff.escalatedAt
    ? ` · :rotating_light: past its SLA${oncallMention ? ` ${oncallMention}` : ''}`
    : '';
  return `:hourglass_flowing_sand: Waiting${view.position ? ` · #${view.position} in the queue` : ''}${escalated}`;
}

/**
 * The announcement of a hand-off in the educators channel; re-rendered (chat.update) as its state changes.
 * @see https://docs.slack.dev/reference/block-kit/blocks
 */
export function renderAnnouncement(view: HandoffView, options: { oncallMention?: string } = {}): SlackMessage {
  const { handoff } = view;
  const patient = patientLabel(view.contact);
  const title = `${PRIORITY_MARKER[handoff.priority]} · *${REASON_LABEL[handoff.reason]}* — ${escapeSlack(patient)}`;
  const blocks: Block[] = [
    { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: title } },
    {
      type: 'section',
      block_id: 'facts',
      fields: [
        { type: 'mrkdwn', text: `*Channel*\n${escapeSlack(view.channel)}` },
        { type: 'mrkdwn', text: `*Language*\n${escapeSlack(view.language ?? 'unknown')}` },
        {
          type: 'mrkdwn',
          text: `*Waiting*\n${formatWait(view.waitingMs)} (since ${slackTime(handoff.createdAt)})`,
        },
        { type: 'mrkdwn', text: `*Ref*\n${handoffRef(handoff.id)}` },
      ],
    },
  ];
  // The patient's own words; the bot's answer has its own block below, its notices add nothing here.
  const recent = view.recent.filter((l) => l.author === 'patient').slice(-4);
  if (recent.length > 0)
    blocks.push({
      type: 'section',
      block_id: 'recent',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*Last messages*\n${recent.map((l) => transcriptLineText(l, patient, 300)).join('\n')}`,
          SECTION_LIMIT,
        ),
      },
    });
  if (view.botAttempt) {
    const d = view.botAttempt.decision;
    const why = d
      ? ` (${d.action}${d.articles[0] ? ` · ${escapeSlack(d.articles[0].id)}` : ''} · confidence ${d.confidence.toFixed(2)})`
      : '';
    blocks.push({
      type: 'section',
      block_id: 'bot_attempt',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Bot's attempted answer*${why}\n${quote(truncate(view.botAttempt.text, 600))}`, SECTION_LIMIT),
      },
    });
  }
  blocks.push({
    type: 'context',
    block_id: 'status',
    elements: [{ type: 'mrkdwn', text: statusLine(view, options.oncallMention ?? '') }],
  });
  if (handoff.status !== 'closed')
    blocks.push({
      type: 'actions',
      block_id: 'handoff_actions',
      elements: [
        ...(handoff.status === 'waiting' ? [button('Claim', ACTION.claim, handoff.id, 'primary')] : []),
        button('View profile', ACTION.profile, handoff.id),
      ],
    });
  const text = `${REASON_LABEL[handoff.reason]} (${handoff.priority}) — ${patient} on ${view.channel}`;
  return { text, blocks };
}

/** Thread controls for the educator who has the chat. */
export function renderThreadControls(
  handoffId: string,
  owner: string,
  patient: string,
  notePrefix: string,
): SlackMessage {
  const text = `${owner} has this chat. Replies in this thread go to ${escapeSlack(patient)}; start a message with \`${escapeSlack(notePrefix)}\` for an internal note. Messages by anyone else here are internal notes.`;
  return {
    text: `${owner} has this chat`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'thread_actions',
        elements: [
          button('Close', ACTION.close, handoffId, 'primary'),
          button('Release', ACTION.release, handoffId),
          button('Transfer', ACTION.transfer, handoffId),
        ],
      },
    ],
  };
}

/** Transcript lines packed into as few messages as Slack allows (3000 chars per section, 50 blocks). */
export function renderTranscript(lines: TranscriptLine[], patient: string, heading?: string): SlackMessage[] {
  const sections: string[] = [];
  let current = heading ? `*${escapeSlack(heading)}*` : '';
  for (const line of lines) {
    const text = truncate(transcriptLineText(line, patient), SECTION_LIMIT);
    if (current && current.length + text.length + 1 > SECTION_LIMIT) {
      sections.push(current);
      current = '';
    }
    current = current ? `${current}\n${text}` : text;
  }
  if (current) sections.push(current);
  const messages: SlackMessage[] = [];
  for (let i = 0; i < sections.length; i += 40) {
    const chunk = sections.slice(i, i + 40);
    messages.push({
      text: heading ?? `${lines.length} message(s)`,
      blocks: chunk.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    });
  }
  return messages;
}

export function renderNotice(text: string): SlackMessage {
  return { text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] };
}

/** Re-announcement when a hand-off passes its SLA or its priority rises: broadcast from the thread. */
export function renderEscalation(view: HandoffView, oncallMention: string, why: 'sla' | 'priority'): SlackMessage {
  const patient = escapeSlack(patientLabel(view.contact));
  const lead =
    why === 'sla'
      ? `:rotating_light: ${oncallMention ? `${oncallMention} ` : ''}${PRIORITY_MARKER[view.handoff.priority]} hand-off ${handoffRef(view.handoff.id)} (${REASON_LABEL[view.handoff.reason]}, ${patient}) has waited ${formatWait(view.waitingMs)} — past its SLA. Can someone take it?`
      : `:rotating_light: ${oncallMention ? `${oncallMention} ` : ''}Priority raised to ${PRIORITY_MARKER[view.handoff.priority]} (${REASON_LABEL[view.handoff.reason]}) for ${patient}, ${handoffRef(view.handoff.id)}.`;
  return {
    text: lead,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lead } },
      ...(view.handoff.status === 'waiting'
        ? [
            {
              type: 'actions' as const,
              elements: [button('Claim', ACTION.claim, view.handoff.id, 'primary')],
            },
          ]
        : []),
    ],
  };
}

export { button };
