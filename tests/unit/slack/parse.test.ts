import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyMessageEvent,
  handoffRef,
  parseSehatCommand,
  parseSlackBody,
  parseTagList,
  slackToMarkdown,
  splitNotePrefix,
} from '../../../adapters/slack/parse.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/slack', name), 'utf8');
const event = (name: string) => (JSON.parse(fixture(name)) as { event: Record<string, unknown> }).event;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('parsing what Slack sends', () => {
  it.each([
    ['events', fixture('event-message-thread-reply.json'), 'ok'],
    ['events', fixture('event-app-home-opened.json'), 'ok'],
    ['events', fixture('url-verification.json'), 'url_verification'],
    ['events', '{"type":"app_rate_limited","minute_rate_limited":1518467820}', 'ok'],
    ['events', '{"type":"event_callback"}', 'malformed'],
    ['events', '{"type": "event_callback", "event": ', 'malformed'],
    ['events', '[1,2]', 'malformed'],
    ['events', '', 'malformed'],
    ['interactivity', form({ payload: fixture('block-actions-button.json') }), 'ok'],
    ['interactivity', form({ payload: fixture('view-submission.json') }), 'ok'],
    ['interactivity', form({ payload: '{"no":"type"}' }), 'malformed'],
    ['interactivity', form({ nothing: 'here' }), 'malformed'],
    ['interactivity', fixture('block-actions-button.json'), 'malformed'],
    ['commands', form(JSON.parse(fixture('slash-command.json'))), 'ok'],
    ['commands', form({ ssl_check: '1', token: 'x' }), 'ssl_check'],
    ['commands', form({ text: 'queue', user_id: 'U1' }), 'malformed'],
    ['commands', form({ command: 'sehat', user_id: 'U1' }), 'malformed'],
  ] as const)('%s: %s → %s', (endpoint, raw, kind) => {
    expect(parseSlackBody(endpoint, raw).kind).toBe(kind);
  });

  it('hands bolt the interactivity payload and the command fields', () => {
    const action = parseSlackBody('interactivity', form({ payload: fixture('block-actions-button.json') }));
    expect(action).toMatchObject({
      kind: 'ok',
      body: { type: 'block_actions', actions: [{ action_id: 'sehat_claim' }] },
    });
    const command = parseSlackBody('commands', form(JSON.parse(fixture('slash-command.json'))));
    expect(command).toMatchObject({ kind: 'ok', body: { command: '/sehat', text: 'help', user_id: 'U0RINA0001' } });
  });

  it.each([
    ['a thread reply by a person', event('event-message-thread-reply.json'), 'thread_reply'],
    ['an edit', event('event-message-changed.json'), 'ignored'],
    ['the bot itself', event('event-bot-message.json'), 'ignored'],
    ['a channel join', event('event-channel-join.json'), 'ignored'],
    ['a top-level message', { ...event('event-message-thread-reply.json'), thread_ts: undefined }, 'ignored'],
    ['a thread parent', { ...event('event-message-thread-reply.json'), thread_ts: '1767000100.000200' }, 'ignored'],
    ['another channel', { ...event('event-message-thread-reply.json'), channel: 'C0OTHER' }, 'ignored'],
    [
      'a reply also sent to the channel',
      { ...event('event-message-thread-reply.json'), subtype: 'thread_broadcast' },
      'thread_reply',
    ],
    ['an unknown new subtype', { ...event('event-message-thread-reply.json'), subtype: 'huddle_thread' }, 'ignored'],
  ])('message event: %s → %s', (_name, payload, kind) => {
    expect(classifyMessageEvent(payload as Record<string, unknown>, 'C0EDUCATORS').kind).toBe(kind);
  });

  it('reads a thread reply', () => {
    expect(classifyMessageEvent(event('event-message-thread-reply.json'), 'C0EDUCATORS')).toEqual({
      kind: 'thread_reply',
      threadTs: '1767000000.000001',
      ts: '1767000100.000200',
      userId: 'U0RINA0001',
      text: 'Hello world',
      hasFiles: false,
    });
  });

  it.each([
    ['*drink* water, ~not~ soda', '**drink** water, ~~not~~ soda'],
    ['see <https://who.int/dengue|WHO on dengue>', 'see [WHO on dengue](https://who.int/dengue)'],
    ['see <https://who.int/dengue>', 'see https://who.int/dengue'],
    ['ask <@U0BUDI0002> or <#C0EDUCATORS|educators>', 'ask @Ns. Budi or #educators'],
    ['mail <mailto:a@klinik.id|a@klinik.id>', 'mail a@klinik.id'],
    ['fever &gt; 39 &amp; rash &lt;3 days', 'fever > 39 & rash <3 days'],
    ['<!here> come', '@here come'],
    ['2*3*4 stays', '2*3*4 stays'],
  ])('mrkdwn %j → %j', (input, output) => {
    expect(slackToMarkdown(input, (id) => (id === 'U0BUDI0002' ? 'Ns. Budi' : undefined))).toBe(output);
  });

  it('splits internal notes by prefix', () => {
    expect(splitNotePrefix('// check platelets', '//')).toEqual({ isNote: true, text: 'check platelets' });
    expect(splitNotePrefix('  //x', '//')).toEqual({ isNote: true, text: 'x' });
    expect(splitNotePrefix('see http://x', '//')).toEqual({ isNote: false, text: 'see http://x' });
  });

  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['queue', { kind: 'queue' }],
    ['QUEUE', { kind: 'queue' }],
    ['kb demam berdarah', { kind: 'kb', query: 'demam berdarah' }],
    ['kb', { kind: 'help' }],
    ['patient ct_123 extra', { kind: 'patient', id: 'ct_123' }],
    ['close Explained care #dengue #Fever', { kind: 'close', outcome: 'Explained care', tags: ['dengue', 'fever'] }],
    [
      'close h-5f3a9c Referred to clinic #referral',
      { kind: 'close', ref: 'H-5F3A9C', outcome: 'Referred to clinic', tags: ['referral'] },
    ],
    ['close', { kind: 'close', outcome: '', tags: [] }],
    ['dance', { kind: 'unknown', word: 'dance' }],
  ])('/sehat %j', (text, expected) => {
    expect(parseSehatCommand(text)).toEqual(expected);
  });

  it('reads tags and references', () => {
    expect(parseTagList('dengue, #Fever  referral,,dengue')).toEqual(['dengue', 'fever', 'referral']);
    expect(parseTagList(undefined)).toEqual([]);
    expect(handoffRef('ho_0mwwr03e4000098dbfb868f35')).toBe('H-868F35');
  });
});
