import { describe, expect, it } from 'vitest';
import { parseUpdate } from '../../../adapters/telegram/parse.ts';
import { telegramFixture } from '../../support/telegram-double.ts';

const now = new Date('2026-03-02T03:00:00Z');
const parse = (update: unknown, allowGroups = false) =>
  parseUpdate(update, { allowGroups, botUsername: 'SehatTestBot', now });

describe('parseUpdate over recorded update fixtures', () => {
  const messages: [string, unknown][] = [
    ['message-text', { kind: 'text', text: 'what is dengue?' }],
    ['message-command', { kind: 'command', name: 'human' }],
    ['message-command-botname', { kind: 'command', name: 'lang', arg: 'id' }],
    ['callback-query', { kind: 'choice', choiceId: 'more:dengue', label: 'More' }],
    [
      'message-photo',
      { kind: 'media', media: 'image', ref: 'telegram-file:AgACAgQAAxkBAAIBZ2large', caption: 'my rash' },
    ],
    ['message-voice', { kind: 'media', media: 'audio', ref: 'telegram-file:AwACAgQAAxkBAAIBaHvoice' }],
    [
      'message-document',
      { kind: 'media', media: 'document', ref: 'telegram-file:BQACAgQAAxkBAAIBaXdoc', caption: 'lab result' },
    ],
    [
      'message-sticker',
      { kind: 'media', media: 'sticker', ref: 'telegram-file:CAACAgIAAxkBAAIBanstick', caption: '👍' },
    ],
    ['message-location', { kind: 'media', media: 'location', ref: 'geo:-6.2088,106.8456' }],
    ['message-contact', { kind: 'unsupported', platformType: 'contact' }],
  ];
  it.each(messages)('%s → %j', (name, content) => {
    const parsed = parse(telegramFixture(name));
    expect(parsed.kind).toBe('message');
    if (parsed.kind !== 'message') return;
    expect(parsed.message.content).toEqual(content);
    expect(parsed.message).toMatchObject({
      channel: 'telegram',
      key: 'telegram:1111111',
      from: { externalId: '1111111', displayName: 'Siti Rahma', locale: 'en' },
    });
  });

  const ignored: [string, string][] = [
    ['edited-message', 'edited_message'],
    ['message-group', 'group_chat'],
    ['channel-post', 'channel_post'],
    ['message-reaction', 'message_reaction'],
    ['message-command-other-bot', 'command_for_another_bot'],
  ];
  it.each(ignored)('%s is ignored with the reason %s', (name, reason) => {
    expect(parse(telegramFixture(name))).toMatchObject({ kind: 'ignored', reason });
  });

  it('a private chat member update to "kicked" means the patient blocked the bot', () => {
    expect(parse(telegramFixture('my-chat-member-blocked'))).toEqual({
      kind: 'unreachable',
      updateId: 10012,
      externalId: '1111111',
      reason: 'blocked_by_user',
    });
  });

  it('ids are chat id + message id for messages and the callback query id for button presses', () => {
    const text = parse(telegramFixture('message-text'));
    const press = parse(telegramFixture('callback-query'));
    expect(text.kind === 'message' && text.message.id).toBe('1111111:1365');
    expect(press.kind === 'message' && press.message.id).toBe('cb:4382bfdwdsb323b2d9');
    expect(press.kind === 'message' && press.callbackQueryId).toBe('4382bfdwdsb323b2d9');
    // The message's own date is its receive time; a callback query has none, so `now` is used.
    expect(text.kind === 'message' && text.message.receivedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(press.kind === 'message' && press.message.receivedAt).toEqual(now);
  });

  it('group chats are handled when allowed, keyed by the group', () => {
    const parsed = parse(telegramFixture('message-group'), true);
    expect(parsed).toMatchObject({
      kind: 'message',
      message: { key: 'telegram:-1001234567890', from: { externalId: '-1001234567890' } },
    });
    // Members joining is not something anyone said.
    expect(parse(telegramFixture('message-new-chat-members'), true)).toMatchObject({
      kind: 'ignored',
      reason: 'service:new_chat_members',
    });
  });

  it('never throws, whatever arrives', () => {
    const odd = [
      null,
      42,
      'update',
      [],
      {},
      { update_id: 'x' },
      { update_id: 1 },
      { update_id: 2, message: null },
      { update_id: 3, message: { message_id: 1 } },
      { update_id: 4, message: { message_id: 1, chat: { id: 5, type: 'private' }, photo: [] } },
      { update_id: 5, callback_query: { id: 'q', data: 'x' } },
      { update_id: 6, callback_query: { id: 'q', message: { message_id: 1, chat: { id: 5 } } } },
      { update_id: 7, my_chat_member: { chat: { id: 1, type: 'private' } } },
      { update_id: 8, something_new: {} },
    ];
    for (const update of odd) expect(() => parse(update)).not.toThrow();
    expect(parse({ update_id: 5, callback_query: { id: 'q', data: 'x' } })).toMatchObject({
      kind: 'ignored',
      callbackQueryId: 'q',
    });
    expect(parse({ update_id: 8, something_new: {} })).toMatchObject({ kind: 'ignored', reason: 'unknown_update' });
    expect(parse({ update_id: 'x' })).toMatchObject({ kind: 'ignored', reason: 'malformed' });
  });

  it('reads commands with and without the @botname suffix and plain text that only looks like a path', () => {
    const text = (t: string) =>
      parse({ update_id: 1, message: { message_id: 1, chat: { id: 9, type: 'private' }, text: t } });
    expect(text('/start')).toMatchObject({ message: { content: { kind: 'command', name: 'start' } } });
    expect(text('/START@sehattestbot')).toMatchObject({ message: { content: { kind: 'command', name: 'start' } } });
    expect(text('/lang  ms ')).toMatchObject({ message: { content: { kind: 'command', name: 'lang', arg: 'ms' } } });
    expect(text('/usr/bin is a folder')).toMatchObject({ message: { content: { kind: 'text' } } });
  });
});
