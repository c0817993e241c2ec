import { describe, expect, it } from 'vitest';
import { slackConfigFromEnv, toSlackMention } from '../../../adapters/slack/config.ts';
import { parseEnv } from '../../../src/config/env.ts';

const valid = {
  SLACK_ENABLED: 'true',
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'e3b0c44298fc1c149afbf4c8996fb924',
  SLACK_CHANNEL_ID: 'C0EDUCATORS',
};

describe('Slack configuration', () => {
  it('builds the console config with defaults', () => {
    expect(slackConfigFromEnv(parseEnv(valid))).toEqual({
      mode: 'http',
      botToken: 'xoxb-1-2-abc',
      signingSecret: 'e3b0c44298fc1c149afbf4c8996fb924',
      channelId: 'C0EDUCATORS',
      oncallMention: '',
      notePrefix: '//',
      showEducatorName: true,
      apiUrl: 'https://slack.com/api/',
      syncIntervalMs: 15_000,
    });
  });

  it('names every missing value for the chosen mode', () => {
    expect(() => slackConfigFromEnv(parseEnv({ SLACK_ENABLED: 'true' }))).toThrow(
      /SLACK_BOT_TOKEN: required[\s\S]*SLACK_CHANNEL_ID: required[\s\S]*SLACK_SIGNING_SECRET: required when SLACK_MODE=http/,
    );
    expect(() => slackConfigFromEnv(parseEnv({ ...valid, SLACK_MODE: 'socket' }))).toThrow(
      /SLACK_APP_TOKEN: required when SLACK_MODE=socket/,
    );
    expect(
      slackConfigFromEnv(
        parseEnv({ ...valid, SLACK_MODE: 'socket', SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-1-A-1-x' }),
      ),
    ).toMatchObject({ mode: 'socket', appToken: 'xapp-1-A-1-x' });
  });

  it('rejects values of the wrong kind, by name', () => {
    expect(() =>
      parseEnv({
        ...valid,
        SLACK_BOT_TOKEN: 'xoxp-user-token',
        SLACK_APP_TOKEN: 'xoxb-1',
        SLACK_CHANNEL_ID: '#educators',
        SLACK_MODE: 'rtm',
      }),
    ).toThrow(
      /SLACK_MODE[\s\S]*SLACK_BOT_TOKEN: must be a bot token[\s\S]*SLACK_APP_TOKEN: must be an app-level token[\s\S]*SLACK_CHANNEL_ID: must be a channel id/,
    );
  });

  it('turns ESCALATION_CONTACT into a Slack mention unless SLACK_ONCALL_MENTION is set', () => {
    expect(slackConfigFromEnv(parseEnv({ ...valid, ESCALATION_CONTACT: 'S0ONCALL01' })).oncallMention).toBe(
      '<!subteam^S0ONCALL01>',
    );
    expect(
      slackConfigFromEnv(
        parseEnv({ ...valid, ESCALATION_CONTACT: 'S0ONCALL01', SLACK_ONCALL_MENTION: '<@U0RINA0001>' }),
      ).oncallMention,
    ).toBe('<@U0RINA0001>');
    expect(['@here', 'U0RINA0001', '<!subteam^S1|@oncall>', '@oncall-educators', ''].map(toSlackMention)).toEqual([
      '<!here>',
      '<@U0RINA0001>',
      '<!subteam^S1|@oncall>',
      '@oncall-educators',
      '',
    ]);
  });
});
