import { describe, expect, it } from 'vitest';
import { todayNumbers } from '../../../adapters/slack/home.ts';
import {
  escapeSlack,
  formatWait,
  renderAnnouncement,
  renderEscalation,
  renderTranscript,
  transcriptLineText,
} from '../../../adapters/slack/render.ts';
import { queueBlocks, renderCloseModal, renderHome } from '../../../adapters/slack/views.ts';
import type { HandoffView, TranscriptLine } from '../../../src/handoff/handoff-view.ts';
import type { Handoff } from '../../../src/handoff/types.ts';

const handoff = (overrides: Partial<Handoff> = {}): Handoff => ({
  id: 'ho_0mwwr03e4000098dbfb868f35',
  conversationId: 'cv_1',
  conversationKey: 'telegram:777',
  reason: 'emergency',
  priority: 'urgent',
  status: 'waiting',
  educatorId: null,
  tags: [],
  outcome: null,
  createdAt: '2026-03-02T03:00:00.000Z',
  claimedAt: null,
  closedAt: null,
  escalatedAt: null,
  ...overrides,
});
const line = (text: string, overrides: Partial<TranscriptLine> = {}): TranscriptLine => ({
  id: `m-${text.length}`,
  at: '2026-03-02T02:59:00.000Z',
  direction: 'in',
  author: 'patient',
  text,
  status: 'processed',
  ...overrides,
});
const view = (overrides: Partial<HandoffView> = {}): HandoffView => ({
  handoff: handoff(),
  contact: { id: 'ct_00000abcd', displayName: 'Siti <!channel> & co', language: 'id' },
  channel: 'telegram',
  language: 'id',
  waitingMs: 12 * 60_000,
  position: 1,
  recent: [
    line('dada saya sakit sekali'),
    line('Call 119 now', { direction: 'out', author: 'bot', status: 'sent' }),
    line('tolong <@U123>'),
  ],
  botAttempt: {
    text: 'Call 119 now',
    decision: {
      triage: 'emergency',
      rules: ['chest-pain'],
      action: 'fallback',
      articles: [],
      confidence: 0,
      language: 'id',
    },
  },
  ...overrides,
});
const text = (value: unknown) => JSON.stringify(value);

describe('Slack rendering', () => {
  it('announces a hand-off with everything an educator needs, escaping patient text', () => {
    const { blocks, text: fallback } = renderAnnouncement(view());
    const all = text(blocks);
    expect(all).toContain(':red_circle: URGENT · *Emergency* — Siti &lt;!channel&gt; &amp; co');
    expect(all).toContain('*Channel*\\ntelegram');
    expect(all).toContain('*Language*\\nid');
    expect(all).toContain('*Waiting*\\n12 min');
    expect(all).toContain('*Ref*\\nH-868F35');
    expect(all).toContain('dada saya sakit sekali');
    expect(all).toContain('tolong &lt;@U123&gt;');
    expect(all).toContain("*Bot's attempted answer* (fallback · confidence 0.00)");
    expect(all).toContain('#1 in the queue');
    expect(all).not.toContain('<!channel>');
    expect(fallback).toBe('Emergency (urgent) — Siti <!channel> & co on telegram');
    const actions = blocks.find((b) => b.type === 'actions');
    expect(text(actions)).toContain('"action_id":"sehat_claim"');
    expect(text(actions)).toContain('"action_id":"sehat_profile"');
  });

  it('shows who claimed, drops the Claim button, and shows no buttons once closed', () => {
    const educator = { id: 'ed_1', username: 'slack:U0RINA0001', displayName: 'Ns. Rina' };
    const claimed = renderAnnouncement(view({ handoff: handoff({ status: 'claimed', educatorId: 'ed_1' }), educator }));
    expect(text(claimed.blocks)).toContain('Claimed by <@U0RINA0001> (Ns. Rina)');
    expect(text(claimed.blocks)).not.toContain('sehat_claim');
    const closed = renderAnnouncement(
      view({ handoff: handoff({ status: 'closed', educatorId: 'ed_1', tags: ['dengue'] }), educator }),
    );
    expect(text(closed.blocks)).toContain('Closed by <@U0RINA0001> · tags: dengue');
    expect(closed.blocks.some((b) => b.type === 'actions')).toBe(false);
    const web = renderAnnouncement(
      view({
        handoff: handoff({ status: 'claimed' }),
        educator: { id: 'e', username: 'dewi', displayName: 'Ns. <Dewi>' },
      }),
    );
    expect(text(web.blocks)).toContain('Claimed by Ns. &lt;Dewi&gt;');
  });

  it('marks escalation with the on-call mention', () => {
    const escalated = view({ handoff: handoff({ escalatedAt: '2026-03-02T03:06:00.000Z' }) });
    expect(text(renderAnnouncement(escalated, { oncallMention: '<!subteam^S0ONCALL01>' }).blocks)).toContain(
      'past its SLA <!subteam^S0ONCALL01>',
    );
    const sla = renderEscalation(escalated, '<!subteam^S0ONCALL01>', 'sla');
    expect(sla.text).toMatch(/^:rotating_light: <!subteam\^S0ONCALL01> :red_circle: URGENT hand-off H-868F35/);
    expect(text(sla.blocks)).toContain('sehat_claim');
    expect(renderEscalation(escalated, '', 'priority').text).toContain('Priority raised to :red_circle: URGENT');
  });

  it('packs long transcripts within Slack limits', () => {
    const lines = Array.from({ length: 300 }, (_, i) => line(`${i} ${'x'.repeat(400)}`));
    const messages = renderTranscript(lines, 'Siti', 'Transcript so far');
    for (const message of messages) {
      expect(message.blocks.length).toBeLessThanOrEqual(50);
      for (const block of message.blocks) expect(text(block).length).toBeLessThan(3100);
    }
    const joined = text(messages);
    expect(joined).toContain('Transcript so far');
    expect(joined).toContain('"text":"*Transcript so far*');
    expect(joined).toContain(' 299 ');
    expect(messages.length).toBeGreaterThan(1);
  });

  it('writes transcript lines with author, time and failure marks', () => {
    expect(transcriptLineText(line('hi & bye'), 'Siti')).toMatch(
      /^<!date\^\d+\^\{time\}\|02:59 UTC> \*Siti\*: hi &amp; bye$/,
    );
    expect(
      transcriptLineText(
        line('ok', { direction: 'out', author: 'educator', authorName: 'Ns. Dewi', status: 'failed' }),
        'Siti',
      ),
    ).toMatch(/\*Ns\. Dewi\*: ok :x: _not delivered_$/);
    expect(
      transcriptLineText(line('check', { direction: 'note', author: 'educator', authorName: 'Ns. Dewi' }), 'Siti'),
    ).toContain(':memo: *Ns. Dewi* (note): check');
  });

  it('formats waiting times and escapes', () => {
    expect([10_000, 5 * 60_000, 61 * 60_000].map(formatWait)).toEqual(['under a minute', '5 min', '1 h 1 min']);
    expect(escapeSlack('<a> & <b>')).toBe('&lt;a&gt; &amp; &lt;b&gt;');
  });

  it('renders the Home tab, the queue and the close modal', () => {
    const home = renderHome({
      queue: [view()],
      mine: [],
      today: { opened: 3, claimed: 2, closed: 1, waiting: 1, medianWaitMinutes: 4 },
      oncallMention: '<!subteam^S1>',
    });
    expect(home.type).toBe('home');
    expect(text(home)).toContain(
      'Opened *3* · claimed *2* · closed *1* · waiting now *1* · median wait to claim *4 min*',
    );
    expect(text(home)).toContain('Waiting (1)');
    expect(text(queueBlocks([]))).toContain('Nobody is waiting');
    const modal = renderCloseModal('ho_1', 'Siti');
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'sehat_close_modal', private_metadata: 'ho_1' });
    expect(text(modal.blocks)).toContain('"block_id":"outcome"');
  });

  it("counts today's hand-offs in the clinic's time zone", () => {
    const now = new Date('2026-03-02T10:00:00Z'); // 17:00 in Jakarta
    const numbers = todayNumbers(
      [
        handoff({ createdAt: '2026-03-02T01:00:00Z', claimedAt: '2026-03-02T01:04:00Z', status: 'claimed' }),
        handoff({
          createdAt: '2026-03-02T02:00:00Z',
          claimedAt: '2026-03-02T02:10:00Z',
          closedAt: '2026-03-02T03:00:00Z',
          status: 'closed',
        }),
        handoff({ createdAt: '2026-03-02T09:00:00Z' }),
        handoff({ createdAt: '2026-03-01T16:30:00Z' }), // 23:30 the day before in Jakarta
      ],
      now,
      'Asia/Jakarta',
    );
    expect(numbers).toEqual({ opened: 3, claimed: 2, closed: 1, waiting: 2, medianWaitMinutes: 7 });
  });
});
