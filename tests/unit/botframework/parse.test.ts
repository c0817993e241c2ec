import { describe, expect, it } from 'vitest';
import { parseActivity, scopedMessageId } from '../../../adapters/botframework/parse.ts';
import { fixture } from './fixture.ts';

const AT = new Date('2026-03-02T03:00:00Z');
const TEAMS_CONVERSATION = 'a:1pL6i0oY3C0K8oAj8L4cX5QpWm9L2aHfYpZ7vXkRq3sTn8M0dJwE4gUb1yV6hNzPcKe';
const SITI = '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw';

describe('parseActivity over recorded activities', () => {
  const inbound = [
    {
      name: 'emulator-message',
      expected: {
        id: '9f2c1b70-3e6b-11ef-b1c7-1d3f5a7c9e21|livechat|b71d4e20-3e6b-11ef-9a6d-4b6f0b7e2c11',
        key: 'botframework:9f2c1b70-3e6b-11ef-b1c7-1d3f5a7c9e21|livechat',
        from: { externalId: '5e1f3c0a-7d2b-4f8e-9a61-2b7c4d9e8f10', displayName: 'User', locale: 'en-US' },
        content: { kind: 'text', text: 'what vaccines does my baby need?' },
      },
    },
    {
      name: 'emulator-conversation-update',
      expected: {
        id: '9f2c1b70-3e6b-11ef-b1c7-1d3f5a7c9e21|livechat|welcome',
        from: { externalId: '5e1f3c0a-7d2b-4f8e-9a61-2b7c4d9e8f10', displayName: 'User' },
        content: { kind: 'command', name: 'start' },
      },
    },
    {
      name: 'webchat-message-back',
      expected: {
        // Direct Line ids are already scoped by the conversation.
        id: 'Jq6sS4dTgYk3Hw2Ta3xN0Q-as|0000004',
        key: 'botframework:Jq6sS4dTgYk3Hw2Ta3xN0Q-as',
        content: { kind: 'choice', choiceId: 'more:child-immunization', label: 'More' },
      },
    },
    {
      name: 'teams-personal-message',
      expected: {
        id: `${TEAMS_CONVERSATION}|1772420721112`,
        key: `botframework:${TEAMS_CONVERSATION}`,
        from: { externalId: SITI, displayName: 'Siti Rahma', locale: 'en-US' },
        // The text/html copy of the text is not a second message or a document.
        content: { kind: 'text', text: 'what is dengue?' },
      },
    },
    {
      name: 'teams-channel-mention',
      expected: {
        key: 'botframework:19:efa9296d959346209fea44151c742e73@thread.skype;messageid=1772421002530',
        content: { kind: 'text', text: 'what is dengue?' },
      },
    },
    { name: 'teams-card-submit', expected: { content: { kind: 'choice', choiceId: 'more:dengue' } } },
    {
      name: 'teams-image',
      expected: {
        content: {
          kind: 'media',
          media: 'image',
          ref: 'https://smba.trafficmanager.net/apac/v3/attachments/0-sa-d4-7fa3b1c2d3e4f5a6b7c8d9e0f1a2b3c4/views/original',
        },
      },
    },
    {
      name: 'teams-conversation-update-personal',
      expected: {
        id: `${TEAMS_CONVERSATION}|welcome`,
        from: { externalId: SITI },
        content: { kind: 'command', name: 'start' },
      },
    },
  ];
  for (const { name, expected } of inbound) {
    it(`${name} → an inbound message`, () => {
      const result = parseActivity(fixture(name), AT);
      expect(result.kind).toBe('inbound');
      if (result.kind !== 'inbound') return;
      expect(result.messages).toHaveLength(1);
      expect(result.messages[0]).toMatchObject({ channel: 'botframework', receivedAt: AT, ...expected });
    });
  }

  const ignored = [
    { name: 'webchat-typing', reason: 'typing' },
    { name: 'webchat-event-join', reason: 'unsupported_activity:event' },
    { name: 'teams-message-reaction', reason: 'unsupported_activity:messageReaction' },
    { name: 'webchat-conversation-update-bot', reason: 'bot_added' },
    { name: 'teams-invoke', reason: 'invoke:adaptiveCard/action', invoke: true },
  ];
  for (const { name, ...expected } of ignored) {
    it(`${name} → ignored with a reason`, () => {
      expect(parseActivity(fixture(name), AT)).toEqual({ kind: 'ignored', ...expected });
    });
  }

  it('teams-installation-remove → the patient is unreachable', () => {
    expect(parseActivity(fixture('teams-installation-remove'), AT)).toEqual({
      kind: 'unreachable',
      externalId: SITI,
      reason: 'app_uninstalled',
    });
  });

  it('keeps the conversation reference as the reply context (the reply goes to the message)', () => {
    const result = parseActivity(fixture('teams-personal-message'), AT);
    expect(result.kind === 'inbound' && result.messages[0]?.replyContext).toEqual({
      activityId: '1772420721112',
      user: { id: SITI, name: 'Siti Rahma' },
      bot: { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c', name: 'Sehat' },
      conversation: {
        id: TEAMS_CONVERSATION,
        conversationType: 'personal',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      },
      channelId: 'msteams',
      locale: 'en-US',
      serviceUrl: 'https://smba.trafficmanager.net/apac/',
    });
  });

  it('greets into the conversation, not as a reply to the conversationUpdate', () => {
    const result = parseActivity(fixture('emulator-conversation-update'), AT);
    expect(result.kind === 'inbound' && result.messages[0]?.replyContext).not.toHaveProperty('activityId');
  });

  it('does not greet when members join a group conversation', () => {
    const groupJoin = fixture('emulator-conversation-update', {
      conversation: { id: '19:abc@thread.skype', isGroup: true, conversationType: 'channel' },
    });
    expect(parseActivity(groupJoin, AT)).toEqual({ kind: 'ignored', reason: 'group_members_added' });
  });

  it('never throws on what is not an activity', () => {
    for (const body of [null, 42, 'text', [], {}, { type: '' }, { type: 7 }])
      expect(parseActivity(body, AT).kind).toBe('invalid');
    expect(parseActivity({ type: 'message', text: 'hi' }, AT)).toEqual({
      kind: 'invalid',
      reason: 'missing_routing_fields',
    });
    expect(parseActivity({ type: 'somethingNew' }, AT)).toEqual({
      kind: 'ignored',
      reason: 'unsupported_activity:somethingNew',
    });
  });

  it('treats a card submit it does not know as unsupported content, and an empty message as nothing', () => {
    const other = parseActivity(fixture('teams-card-submit', { value: { rating: 4 } }), AT);
    expect(other.kind === 'inbound' && other.messages[0]?.content).toEqual({
      kind: 'unsupported',
      platformType: 'card_submit',
    });
    const empty = parseActivity(fixture('emulator-message', { text: '   ' }), AT);
    expect(empty).toEqual({ kind: 'ignored', reason: 'empty_message' });
  });

  it('scopes Teams message ids by conversation (they are timestamps)', () => {
    expect(scopedMessageId('a:x', '1772420721112')).toBe('a:x|1772420721112');
    expect(scopedMessageId('conv', 'conv|0000004')).toBe('conv|0000004');
  });
});
