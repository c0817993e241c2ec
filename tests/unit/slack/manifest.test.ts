import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_PATHS } from '../../../adapters/slack/receiver.ts';

interface Manifest {
  features: { app_home: { home_tab_enabled: boolean }; slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
}

describe('slack/manifest.yml', () => {
  const manifest = parse(readFileSync('slack/manifest.yml', 'utf8')) as Manifest;

  it('points Slack at the routes the console serves', () => {
    const path = (url: string) => new URL(url).pathname;
    expect(path(manifest.settings.event_subscriptions.request_url)).toBe(SLACK_PATHS.events);
    expect(path(manifest.settings.interactivity.request_url)).toBe(SLACK_PATHS.interactivity);
    expect(manifest.features.slash_commands.map((c) => [c.command, path(c.url)])).toEqual([
      ['/sehat', SLACK_PATHS.commands],
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('subscribes to the events and asks for the scopes the console uses', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual([
      'app_home_opened',
      'message.channels',
      'message.groups',
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['chat:write', 'reactions:write', 'users:read', 'channels:history', 'commands']),
    );
  });
});
